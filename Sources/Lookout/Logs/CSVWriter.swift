/// CSV as RFC 4180 writes it (every field quoted, quotes doubled, CRLF between records),
/// with cells that a spreadsheet would run as a formula made inert: a leading =, +, -, @,
/// tab or carriage return gets a ' in front (OWASP's advice for CSV injection).
enum CSVWriter {
    static func record(_ fields: [String?]) -> String {
        var line = ""
        for (index, field) in fields.enumerated() {
            if index > 0 { line += "," }
            line += "\""
            if let field {
                if let first = field.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { line += "'" }
                for scalar in field.unicodeScalars {
                    if scalar == "\"" { line += "\"\"" } else { line.unicodeScalars.append(scalar) }
                }
            }
            line += "\""
        }
        return line + "\r\n"
    }
}
