# Lookout in a container: build with the Swift toolchain image, run on slim Debian 12.
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev libhiredis-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product lookout --static-swift-stdlib

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 libhiredis0.14 curl ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/.build/release/lookout /usr/local/bin/lookout
COPY Templates /usr/local/share/lookout/Templates
COPY Public /usr/local/share/lookout/Public
ENV LOOKOUT_BIND=0.0.0.0 LOOKOUT_PORT=8080 LOOKOUT_RESOURCES=/usr/local/share/lookout
EXPOSE 8080
USER nobody
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fs http://127.0.0.1:8080/health || exit 1
CMD ["lookout", "serve"]
