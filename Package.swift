// swift-tools-version:6.0
// Lookout: one executable, no package dependencies (design card in docs/architecture.md).
// Layers, with dependencies pointing one way:
//   Net <- HTTP <- Web <- Lookout;  Lookout also uses Templates, Postgres, Redis.
import PackageDescription

let package = Package(
    name: "Lookout",
    products: [
        .executable(name: "lookout", targets: ["lookout"]),
        .executable(name: "lookout-bench", targets: ["lookout-bench"]),
    ],
    targets: [
        // System libraries, found through pkg-config; apt names the Debian package to install.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),

        .target(name: "CSystem"),
        .target(name: "Net", dependencies: ["CSystem"]),
        .target(name: "HTTP", dependencies: ["Net", "CSystem"]),
        .target(name: "Web", dependencies: ["HTTP"]),
        .target(name: "Templates"),
        .target(name: "Postgres", dependencies: ["CLibPQ"]),
        .target(name: "Redis", dependencies: ["CHiredis"]),
        // Migrations are .sql files compiled into the executable (nothing to ship beside it).
        .target(name: "Lookout", dependencies: ["Web", "Templates", "Postgres", "Redis"],
                resources: [.embedInCode("Storage/Migrations")]),
        .executableTarget(name: "lookout", dependencies: ["Lookout"]),
        .executableTarget(name: "lookout-bench", dependencies: ["Web", "Templates"]),

        .target(name: "TestSupport", dependencies: ["Net", "HTTP"], path: "Tests/TestSupport"),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "TestSupport"]),
        .testTarget(name: "WebTests", dependencies: ["Web", "TestSupport"]),
        .testTarget(name: "TemplatesTests", dependencies: ["Templates"]),
        .testTarget(name: "LookoutTests", dependencies: ["Lookout", "TestSupport", "Web"]),
    ],
    swiftLanguageModes: [.v6]
)
