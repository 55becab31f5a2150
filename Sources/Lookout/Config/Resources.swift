import Foundation

/// Finds the folder that holds `Templates/` and `Public/`.
public enum Resources {
    public static func locate(explicit: String, source: String) throws(SettingsError) -> String {
        if !explicit.isEmpty {
            guard isResourceRoot(explicit) else {
                throw SettingsError("\(source): '\(explicit)' has no Templates/layout.html")
            }
            return URL(fileURLWithPath: explicit).standardizedFileURL.path
        }
        var candidates = [FileManager.default.currentDirectoryPath]
        // .build/<config>/lookout -> the package root three levels up; /usr/local/bin/lookout -> /usr/local/share/lookout.
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        var folder = executable
        for _ in 0..<4 {
            candidates.append(folder.path)
            folder = folder.deletingLastPathComponent()
        }
        candidates.append(executable.deletingLastPathComponent().appendingPathComponent("share/lookout").path)
        for candidate in candidates where isResourceRoot(candidate) {
            return URL(fileURLWithPath: candidate).standardizedFileURL.path
        }
        throw SettingsError("cannot find Templates/ and Public/: run from the project folder or set LOOKOUT_RESOURCES")
    }

    static func isResourceRoot(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path + "/Templates/layout.html")
            && FileManager.default.fileExists(atPath: path + "/Public")
    }
}
