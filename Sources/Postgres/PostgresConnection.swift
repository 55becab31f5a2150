#if canImport(Glibc)
import Glibc
#endif
import CLibPQ

/// One libpq connection. Queries go through PQexecParams only: parameters are sent apart
/// from the SQL text, so no value is ever interpolated into SQL.
///
/// `@unchecked Sendable`: a connection is used by one thread at a time, which the pool
/// guarantees by handing it out exclusively.
public final class PostgresConnection: @unchecked Sendable {
    let handle: OpaquePointer

    /// `url` is a libpq connection string or URI. Every statement gets `statementTimeout`
    /// milliseconds (0: none); connecting gives up after `connectTimeout` seconds. JIT is off:
    /// its compile step cost ~140 ms on the console's one-statement summary at 10 M jobs,
    /// whose plan cost crossed jit_above_cost, for a query that runs in 15 ms without it.
    public init(url: String, connectTimeout: Int = 5, statementTimeout: Int = 5_000, applicationName: String = "lookout") throws(PostgresError) {
        let keys = ["dbname", "connect_timeout", "options", "application_name"]
        let values = [url, String(connectTimeout), "-c statement_timeout=\(statementTimeout) -c client_min_messages=warning -c jit=off", applicationName]
        let connection: OpaquePointer? = Self.withCStrings(keys) { keyPointers in
            Self.withCStrings(values) { valuePointers in
                PQconnectdbParams(keyPointers, valuePointers, 1)
            }
        }
        guard let connection else { throw PostgresError(.connection, serverMessage: "out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgresError(.connection, serverMessage: message.trimmingNewlines())
        }
        handle = connection
    }

    deinit {
        PQfinish(handle)
    }

    public var isUsable: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs one statement with `$1...` parameters (text format; nil is SQL NULL).
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PostgresResult {
        let result: OpaquePointer? = Self.withOptionalCStrings(parameters) { values in
            PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard let result else {
            throw PostgresError(.connection, serverMessage: String(cString: PQerrorMessage(handle)).trimmingNewlines())
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            return Self.decode(result)
        default:
            throw Self.resultError(result, usable: isUsable)
        }
    }

    static func resultError(_ result: OpaquePointer, usable: Bool) -> PostgresError {
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        let message = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) } ?? ""
        return PostgresError(usable ? .query : .connection, sqlState: state, serverMessage: message)
    }

    func connectionError() -> PostgresError {
        PostgresError(.connection, serverMessage: String(cString: PQerrorMessage(handle)).trimmingNewlines())
    }

    /// Runs a script of several statements (PQexec). Only for SQL that ships with Lookout
    /// (migrations): it takes no parameters, so nothing from outside may ever reach it.
    public func executeScript(_ sql: StaticOrBundledSQL) throws(PostgresError) {
        guard let result = PQexec(handle, sql.text) else {
            throw PostgresError(.connection, serverMessage: String(cString: PQerrorMessage(handle)).trimmingNewlines())
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else { throw Self.resultError(result, usable: isUsable) }
    }

    /// True inside a transaction block (libpq tracks it from the server's answers).
    public var inTransaction: Bool { PQtransactionStatus(handle) != PQTRANS_IDLE }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws. Inside a
    /// transaction already (a caller scoped the connection to a tenant, say), `body` simply
    /// runs in it and the outer caller commits or rolls back.
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        if inTransaction { return try body(self) }
        try query("BEGIN")
        do {
            let value = try body(self)
            try query("COMMIT")
            return value
        } catch {
            _ = try? query("ROLLBACK")
            throw error
        }
    }

    private static func decode(_ result: OpaquePointer) -> PostgresResult {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            var row: [String?] = []
            row.reserveCapacity(columnCount)
            for c in 0..<columnCount {
                if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
                    row.append(nil)
                } else {
                    let length = Int(PQgetlength(result, Int32(r), Int32(c)))
                    let pointer = UnsafeRawPointer(PQgetvalue(result, Int32(r), Int32(c))!)
                    row.append(String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self))
                }
            }
            rows.append(row)
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresResult(columns: columns, rows: rows, affectedRows: affected)
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        var pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
        pointers.append(nil)
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    private static func withOptionalCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
        let copies = strings.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}

extension String {
    func trimmingNewlines() -> String {
        var s = Substring(self)
        while let last = s.last, last == "\n" || last == " " { s = s.dropLast() }
        return String(s)
    }
}

/// SQL text that is part of the program, never built from input: a marker type so that
/// `executeScript` cannot be handed a string assembled at run time by accident.
public struct StaticOrBundledSQL: Sendable, ExpressibleByStringLiteral {
    let text: String
    public init(stringLiteral value: StaticString) { text = "\(value)" }
    /// SQL read from a file compiled into the executable.
    public init(bundled text: String) { self.text = text }
}
