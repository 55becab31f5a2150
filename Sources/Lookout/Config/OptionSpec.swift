/// One command-line option: its flag, the environment variable that can set it instead,
/// its default, and how a value is checked. Flags win over the environment.
public struct OptionSpec: Sendable {
    public let flag: String
    public let environment: String?
    public let defaultValue: String
    public let valueName: String
    public let help: String

    public init(_ flag: String, env: String?, default defaultValue: String, value: String, help: String) {
        self.flag = flag
        self.environment = env
        self.defaultValue = defaultValue
        self.valueName = value
        self.help = help
    }
}

/// Values of a command's options after reading flags and environment.
public struct OptionValues: Sendable {
    var values: [String: String]
    /// Where each value came from, for error messages ("--port" or "LOOKOUT_PORT").
    var sources: [String: String]

    public func string(_ flag: String) -> String { values[flag] ?? "" }

    public func int(_ flag: String, in range: ClosedRange<Int>) throws(SettingsError) -> Int {
        let text = string(flag)
        guard let value = Int(text), range.contains(value) else {
            throw SettingsError("\(sources[flag] ?? "--" + flag): expected a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }

    public func seconds(_ flag: String) throws(SettingsError) -> Double {
        let text = string(flag)
        guard let value = Double(text), value > 0, value <= 86_400 else {
            throw SettingsError("\(sources[flag] ?? "--" + flag): expected a number of seconds above 0, got '\(text)'")
        }
        return value
    }

    public func bool(_ flag: String) throws(SettingsError) -> Bool {
        switch string(flag).lowercased() {
        case "on", "true", "yes", "1": return true
        case "off", "false", "no", "0": return false
        default: throw SettingsError("\(sources[flag] ?? "--" + flag): expected on or off, got '\(string(flag))'")
        }
    }

    public func source(_ flag: String) -> String { sources[flag] ?? "--" + flag }

    /// Reads `--flag value` and `--flag=value` from `arguments`, then the environment, then defaults.
    public static func parse(_ arguments: [String], specs: [OptionSpec], environment: [String: String],
                             command: String) throws(SettingsError) -> OptionValues {
        var values: [String: String] = [:]
        var sources: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else {
                throw SettingsError("lookout \(command): unexpected argument '\(argument)' (see lookout \(command) --help)")
            }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard specs.contains(where: { $0.flag == name }) else {
                throw SettingsError("lookout \(command): unknown option '--\(name)' (see lookout \(command) --help)")
            }
            if value == nil {
                index += 1
                guard index < arguments.count else { throw SettingsError("lookout \(command): --\(name) needs a value") }
                value = arguments[index]
            }
            values[name] = value
            sources[name] = "--\(name)"
            index += 1
        }
        for spec in specs where values[spec.flag] == nil {
            if let env = spec.environment, let value = environment[env], !value.isEmpty {
                values[spec.flag] = value
                sources[spec.flag] = env
            } else {
                values[spec.flag] = spec.defaultValue
            }
        }
        return OptionValues(values: values, sources: sources)
    }

    /// Help text for a command's options.
    public static func help(_ specs: [OptionSpec]) -> String {
        let width = specs.map { $0.flag.count + $0.valueName.count + 4 }.max() ?? 20
        return specs.map { spec in
            let left = "  --\(spec.flag) \(spec.valueName)"
            var line = left + String(repeating: " ", count: max(2, width - left.count + 4)) + spec.help
            var notes: [String] = []
            if let env = spec.environment { notes.append("env \(env)") }
            if !spec.defaultValue.isEmpty { notes.append("default \(spec.defaultValue)") }
            if !notes.isEmpty { line += " [" + notes.joined(separator: ", ") + "]" }
            return line
        }.joined(separator: "\n")
    }
}
