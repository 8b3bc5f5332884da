# hookinit: a container init (PID 1) that runs /docker-entrypoint.d hooks with an embedded
# shell, then starts your app as a managed child, reaps zombies, relays signals and stops the
# whole process tree on shutdown. This file builds the static binary and a minimal image that
# carries it at /usr/local/bin/hookinit (and nothing else).
#
# Build it the usual way (pulls the Go image; BuildKit or the legacy builder):
#
#     docker build --build-arg HOOKINIT_VERSION="$(git describe --tags --always)" -t hookinit .
#
# Build it from a static binary built outside Docker, with no Go image (this is how
# scripts/e2e.sh builds it, with DOCKER_BUILDKIT=0 and no registry). BUILD_IMAGE only has to
# provide /bin/sh, cp and chmod; the suite uses a local FROM-scratch busybox-static image:
#
#     scripts/build.sh dist/hookinit     # CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' ...
#     docker build --build-arg BUILD_IMAGE=busybox \
#                  --build-arg HOOKINIT_BINARY=dist/hookinit -t hookinit .
#
# Either way the final stage below is the same. (The legacy builder builds every stage before
# the target, wanted or not, which is why the prebuilt binary goes through the build stage
# instead of a stage of its own: no stage of this file needs a registry when BUILD_IMAGE is
# local.)
#
# Using it in your own image -- get the static binary in one of two ways, then make it the
# entrypoint:
#   a) copy it from this image:
#          COPY --from=hookinit /usr/local/bin/hookinit /usr/local/bin/hookinit
#   b) build the static binary yourself and COPY it from your build context:
#          CGO_ENABLED=0 GOBIN="$PWD" go install -trimpath -ldflags='-s -w' \
#              github.com/hookinit/hookinit/cmd/hookinit@latest
#          COPY hookinit /usr/local/bin/hookinit
#   then:
#     COPY my-hooks/ /docker-entrypoint.d/
#     ENTRYPOINT ["hookinit"]
#     CMD ["my-app", "--flag"]
#     STOPSIGNAL SIGTERM
#
# hookinit relays the stop signal to the app's process group (STOPSIGNAL stays what your app
# expects; `--rewrite TERM:QUIT` translates it, e.g. for nginx), so `docker stop` ends the app
# as fast as the app itself does. Options can also be set with ENV HOOKINIT_<NAME>.
#
# Migrating an image that has a docker-entrypoint.sh: change one line and keep the script.
#
#     ENTRYPOINT ["hookinit", "--script", "/docker-entrypoint.sh", "--"]
#
# Check the hooks when the image is built (fails the build, naming file and line):
#
#     RUN ["hookinit", "--check"]

ARG BUILD_IMAGE=golang:1.26-bookworm

FROM ${BUILD_IMAGE} AS build
# Path, inside the build context, of a prebuilt static binary; empty means compile it here
# with scripts/build.sh, the release build (CGO_ENABLED=0, -trimpath, -ldflags '-s -w').
ARG HOOKINIT_BINARY=
# The version --version prints (the context has no .git to ask), e.g. $(git describe --tags).
ARG HOOKINIT_VERSION=
WORKDIR /src
COPY go.mod go.sum ./
RUN if [ -z "$HOOKINIT_BINARY" ]; then go mod download; fi
COPY . .
RUN set -e; mkdir -p /out; \
    if [ -n "$HOOKINIT_BINARY" ]; then \
        cp "$HOOKINIT_BINARY" /out/hookinit; \
    else \
        sh scripts/build.sh /out/hookinit; \
    fi; \
    chmod 0755 /out/hookinit

FROM scratch
COPY --from=build /out/hookinit /usr/local/bin/hookinit
ENTRYPOINT ["/usr/local/bin/hookinit"]
