import CLibPQ

extension PostgresConnection {
    /// Bulk-loads rows with `COPY ... FROM STDIN` (text format): the fastest way into a table.
    /// `statement` is the COPY statement (fixed SQL, no parameters); `rows` yields each row's
    /// column values, nil for NULL; values are escaped here for COPY's text format. Returns the
    /// number of rows the server loaded.
    public func copyIn(_ statement: StaticOrBundledSQL, rows: some Sequence<[String?]>) throws -> Int {
        try copyIn(statement) { send in
            for row in rows { try send(row) }
        }
    }

    public func copyIn(_ statement: StaticOrBundledSQL, produce: ((_ row: [String?]) throws -> Void) throws -> Void) throws -> Int {
        guard let start = PQexec(handle, statement.text) else { throw connectionError() }
        let status = PQresultStatus(start)
        let startError = status == PGRES_COPY_IN ? nil : Self.resultError(start, usable: isUsable)
        PQclear(start)
        if let startError { throw startError }

        var buffer: [UInt8] = []
        buffer.reserveCapacity(256 * 1024)
        func flush() throws {
            guard !buffer.isEmpty else { return }
            let rc = buffer.withUnsafeBufferPointer { pointer in
                pointer.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
            }
            guard rc == 1 else { throw connectionError() }
            buffer.removeAll(keepingCapacity: true)
        }
        var failure: Error?
        do {
            try produce { row in
                for (index, value) in row.enumerated() {
                    if index > 0 { buffer.append(0x09) }
                    if let value { Self.appendCopyEscaped(value, to: &buffer) } else { buffer.append(contentsOf: [0x5C, 0x4E]) } // \N
                }
                buffer.append(0x0A)
                if buffer.count >= 256 * 1024 { try flush() }
            }
            try flush()
        } catch {
            failure = error
        }
        // End the copy: with an error message when the producer failed, so the server rolls back.
        let endRC = failure == nil ? PQputCopyEnd(handle, nil) : PQputCopyEnd(handle, "aborted by the client")
        guard endRC == 1 else { throw connectionError() }
        var loaded = 0
        var serverError: PostgresError?
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                loaded = Int(String(cString: PQcmdTuples(result))) ?? 0
            } else if serverError == nil {
                serverError = Self.resultError(result, usable: isUsable)
            }
            PQclear(result)
        }
        if let failure { throw failure }
        if let serverError { throw serverError }
        return loaded
    }

    /// COPY text format: backslash, tab, newline and carriage return are escaped.
    static func appendCopyEscaped(_ value: String, to buffer: inout [UInt8]) {
        let plain = value.utf8.withContiguousStorageIfAvailable { bytes in
            !bytes.contains { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        }
        if plain == true {
            buffer.append(contentsOf: value.utf8)
            return
        }
        for byte in value.utf8 {
            switch byte {
            case 0x5C: buffer.append(contentsOf: [0x5C, 0x5C])
            case 0x09: buffer.append(contentsOf: [0x5C, 0x74])
            case 0x0A: buffer.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: buffer.append(contentsOf: [0x5C, 0x72])
            default: buffer.append(byte)
            }
        }
    }
}
