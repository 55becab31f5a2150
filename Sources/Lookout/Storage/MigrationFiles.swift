/// The files of Storage/Migrations, compiled in by SwiftPM (`embedInCode`). A new migration
/// is a new .sql file plus its line here; a test checks the two agree.
enum MigrationFiles {
    static let all: [(name: String, bytes: [UInt8])] = [
        ("0001_queues.sql", PackageResources._001_queues_sql),
        ("0002_access.sql", PackageResources._002_access_sql),
        ("0003_logs.sql", PackageResources._003_logs_sql),
        ("0004_throughput_index.sql", PackageResources._004_throughput_index_sql),
        ("0005_log_services_tenant.sql", PackageResources._005_log_services_tenant_sql),
        ("0006_log_problems_index.sql", PackageResources._006_log_problems_index_sql),
        ("0007_log_chunks.sql", PackageResources._007_log_chunks_sql),
        ("0008_log_chunk_candidates.sql", PackageResources._008_log_chunk_candidates_sql),
    ]
}
