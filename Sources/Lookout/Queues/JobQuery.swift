import HTTP
import Web

/// The query of a job list, validated: every bad field is a 400 that names it.
struct JobQuery: Sendable {
    var status: JobStatus = .failed
    var before: Int?
    var limit = 50
    /// A JSON object, as text, that payloads must contain (jsonb @>).
    var payload: String?

    init(_ parameters: Parameters, defaultStatus: JobStatus) throws(HTTPError) {
        status = defaultStatus
        if let text = parameters["status"], !text.isEmpty {
            guard let parsed = JobStatus(rawValue: text) else {
                throw HTTPError.badRequest("'status' must be one of " + JobStatus.allCases.map(\.rawValue).joined(separator: ", "))
            }
            status = parsed
        }
        before = try parameters.int("before", in: 1...Int.max)
        limit = try parameters.int("limit", in: 1...500) ?? 50
        if let text = parameters["payload"]?.trimmingOWS(), !text.isEmpty {
            guard case .object(let fields)? = try? JSONParser.parse(text), !fields.isEmpty else {
                throw HTTPError.badRequest("'payload' must be a JSON object such as {\"campaign_id\": 123}")
            }
            payload = JSONValue.object(fields).serialized()
        }
    }
}
