# leakgate in a container: Debian 12, Go from bookworm-backports (Debian 12's
# own golang-go is 1.19; leakgate needs 1.21+) and leakgate installed from the
# .deb that the first stage builds, run as a non-root user.
#
#   docker build -t leakgate .
#   docker run --rm -v "$PWD:/src" leakgate run ./...
#   (add --user "$(id -u):$(id -g)" when your uid is not 1000 and leakgate
#   should write reports into the mounted tree)
#
# GitLab CI: `image: { name: <registry>/leakgate, entrypoint: [""] }`
# (ci-templates/gitlab/leakgate.gitlab-ci.yml does this).

FROM debian:12-slim AS build
WORKDIR /src
COPY . .
# install-deps.sh --runtime: compiler, cmake, ninja, dpkg-dev and the -dev
# packages of the five libraries, nothing the test suite needs.
RUN apt-get update \
 && bash tests/install-deps.sh --runtime \
 && cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
          -DLG_ZSH_COMPLETION_DIR=share/zsh/vendor-completions \
 && cmake --build /build \
 && cpack -G DEB --config /build/CPackConfig.cmake -B /build/pkg \
 && rm -rf /var/lib/apt/lists/*

FROM debian:12-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY --from=build /build/pkg/leakgate_*.deb /tmp/
# Versions are left to the suites (bookworm, bookworm-backports): the image
# tracks their security updates; the .deb's Depends pin leakgate's libraries.
# gcc and libc6-dev: cgo packages and --race.
# hadolint ignore=DL3008
RUN echo "deb http://deb.debian.org/debian bookworm-backports main" \
      > /etc/apt/sources.list.d/backports.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends -t bookworm-backports golang-go \
 && apt-get install -y --no-install-recommends ca-certificates git gcc libc6-dev \
      /tmp/leakgate_*.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/leakgate_*.deb \
 && useradd --create-home --uid 1000 --shell /bin/bash leakgate \
 && go version && leakgate --version
USER 1000:1000
ENV GOTOOLCHAIN=local \
    GOFLAGS=-buildvcs=false \
    LEAKGATE_CACHE=/home/leakgate/.cache/leakgate
WORKDIR /src
ENTRYPOINT ["leakgate"]
CMD ["--help"]
