/// Rows of a result in text format, decoded on access with errors that name the column.
public struct PostgresResult: Sendable {
    public let columns: [String]
    public let rows: [[String?]]
    /// Rows changed by INSERT/UPDATE/DELETE (PQcmdTuples), 0 otherwise.
    public let affectedRows: Int

    public var isEmpty: Bool { rows.isEmpty }

    public func column(_ name: String) throws(PostgresError) -> Int {
        guard let index = columns.firstIndex(of: name) else { throw PostgresError(.decoding, serverMessage: "no column \(name)") }
        return index
    }

    public func string(_ row: Int, _ name: String) throws(PostgresError) -> String? {
        rows[row][try column(name)]
    }

    public func int(_ row: Int, _ name: String) throws(PostgresError) -> Int? {
        guard let text = try string(row, name) else { return nil }
        guard let value = Int(text) else { throw PostgresError(.decoding, serverMessage: "column \(name) is not an integer") }
        return value
    }

    public func double(_ row: Int, _ name: String) throws(PostgresError) -> Double? {
        guard let text = try string(row, name) else { return nil }
        guard let value = Double(text) else { throw PostgresError(.decoding, serverMessage: "column \(name) is not a number") }
        return value
    }

    public func bool(_ row: Int, _ name: String) throws(PostgresError) -> Bool? {
        guard let text = try string(row, name) else { return nil }
        return text == "t"
    }
}
