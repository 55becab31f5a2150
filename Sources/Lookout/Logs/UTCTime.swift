#if canImport(Glibc)
import Glibc
#endif

/// Timestamps of log lines: ISO 8601 / RFC 3339 text or epoch numbers to microseconds since
/// 1970 (UTC), and back. Done by hand: Foundation's formatters are slow for 50,000 lines a
/// second, and the rules here are exact.
enum UTCTime {
    /// Now, in microseconds since 1970.
    static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }

    /// Days since 1970-01-01 of a civil date (proleptic Gregorian; Howard Hinnant's algorithm).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// "2026-11-23T08:00:00Z", "2026-11-23 08:00:00.123456+01:00", "2026-11-23T08:00:00"
    /// (no zone: UTC). Nil for anything else, including impossible dates.
    static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func digits(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= b.count else { return nil }
            var value = 0
            for i in at..<at + count {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                value = value * 10 + Int(b[i] - 48)
            }
            return value
        }
        guard let year = digits(0, 4), b.count >= 19, b[4] == 45, let month = digits(5, 2), b[7] == 45, let day = digits(8, 2),
              b[10] == 84 || b[10] == 116 || b[10] == 32, let hour = digits(11, 2), b[13] == 58, let minute = digits(14, 2),
              b[16] == 58, let second = digits(17, 2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60, second < 61 else { return nil }
        var index = 19
        var micros = 0
        if index < b.count && (b[index] == 46 || b[index] == 44) {   // fraction: . or ,
            index += 1
            var scale = 100_000, count = 0
            while index < b.count, b[index] >= 48, b[index] <= 57 {
                micros += Int(b[index] - 48) * scale
                scale /= 10
                index += 1
                count += 1
            }
            guard count > 0 else { return nil }
        }
        var offset = 0
        if index < b.count {
            switch b[index] {
            case 90, 122: index += 1   // Z
            case 43, 45:
                let sign = b[index] == 45 ? -1 : 1
                guard let hours = digits(index + 1, 2) else { return nil }
                var minutes = 0
                var next = index + 3
                if next < b.count && b[next] == 58 { next += 1 }
                if next < b.count { guard let m = digits(next, 2) else { return nil }; minutes = m; next += 2 }
                guard hours < 24, minutes < 60 else { return nil }
                offset = sign * (hours * 3600 + minutes * 60)
                index = next
            default: return nil
            }
        }
        guard index == b.count else { return nil }
        let seconds = days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offset
        return Int64(seconds) * 1_000_000 + Int64(micros)
    }

    /// Epoch numbers: seconds (with a fraction), or milliseconds / microseconds /
    /// nanoseconds told apart by size.
    static func fromEpoch(_ value: Double) -> Int64? {
        guard value.isFinite, value > 0 else { return nil }
        switch value {
        case ..<1e11: return Int64((value * 1e6).rounded())
        case ..<1e14: return Int64((value * 1e3).rounded())
        case ..<1e17: return Int64(value.rounded())
        case ..<1e20: return Int64((value / 1e3).rounded())
        default: return nil
        }
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// "2026-11-23 08:00:00.123456+00": what PostgreSQL reads for a timestamptz.
    static func format(microseconds: Int64) -> String {
        var seconds = microseconds / 1_000_000
        var micros = microseconds % 1_000_000
        if micros < 0 { micros += 1_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        let (y, m, d) = civil(days: Int(days))
        guard (0...9999).contains(y) else {
            return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2)) \(pad(Int(rest / 3600), 2)):\(pad(Int(rest % 3600 / 60), 2)):\(pad(Int(rest % 60), 2)).\(pad(Int(micros), 6))+00"
        }
        // Every log line stored passes here: digits written straight into the string's bytes.
        return String(unsafeUninitializedCapacity: 29) { buffer in
            var at = 0
            func put(_ value: Int, _ width: Int, then separator: UInt8) {
                var value = value
                for offset in stride(from: width - 1, through: 0, by: -1) {
                    buffer[at + offset] = UInt8(truncatingIfNeeded: 0x30 + value % 10)
                    value /= 10
                }
                buffer[at + width] = separator
                at += width + 1
            }
            put(y, 4, then: 0x2D)                            // -
            put(m, 2, then: 0x2D)                            // -
            put(d, 2, then: 0x20)                            // space
            put(Int(rest / 3600), 2, then: 0x3A)             // :
            put(Int(rest % 3600 / 60), 2, then: 0x3A)        // :
            put(Int(rest % 60), 2, then: 0x2E)               // .
            put(Int(micros), 6, then: 0x2B)                  // +
            buffer[at] = 0x30
            buffer[at + 1] = 0x30
            return at + 2
        }
    }

    /// "2026-11-23T08:00:00Z" (whole seconds).
    static func isoSeconds(_ microseconds: Int64) -> String {
        let text = format(microseconds: microseconds)
        return String(text.prefix(10)) + "T" + String(text.dropFirst(11).prefix(8)) + "Z"
    }

    /// "2026-11-23" of a day number.
    static func dayText(_ day: Int64) -> String {
        let (y, m, d) = civil(days: Int(day))
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
