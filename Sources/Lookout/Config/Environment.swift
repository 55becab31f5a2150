import Foundation

public enum Environment {
    public static func variables() -> [String: String] {
        ProcessInfo.processInfo.environment
    }
}
