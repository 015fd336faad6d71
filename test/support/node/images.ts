// Test images for the real node, built locally with no registry and no daemon: one static C program
// (gcc -static) in a single-layer OCI image layout (GNU tar packs the layer, the JSON and digests are
// written here). `skopeo copy oci:<dir>:<tag>` pushes a layout; `ctr images import` loads its tar.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const execFileP = promisify(execFile);

/** The node's pause program: sleeps until SIGTERM, reaps children. */
const PAUSE_C = `#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
static void down(int s) { _exit(0); }
static void reap(int s) { while (waitpid(-1, 0, WNOHANG) > 0) {} }
int main(void) {
  signal(SIGINT, down); signal(SIGTERM, down); signal(SIGCHLD, reap);
  for (;;) pause();
}
`;

/** The application: says hello with its argument (the image's tag) and sleeps until SIGTERM. */
const HELLO_C = `#include <signal.h>
#include <stdio.h>
#include <unistd.h>
static void down(int s) { _exit(0); }
int main(int argc, char **argv) {
  signal(SIGINT, down); signal(SIGTERM, down);
  printf("hello from %s\\n", argc > 1 ? argv[1] : "?"); fflush(stdout);
  for (;;) pause();
}
`;

export interface OciLayout {
  /** Directory in OCI image-layout form (`oci:<dir>:<tag>` for skopeo). */
  dir: string;
  tag: string;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string };
  annotations?: Record<string, string>;
}

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

async function putBlob(layout: string, mediaType: string, data: Buffer): Promise<Descriptor> {
  const digest = sha256(data);
  await writeFile(path.join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length)), data);
  return { mediaType, digest, size: data.length };
}

const json = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));

/** Compiles `source` into a static binary at `out`. */
async function compile(source: string, out: string): Promise<void> {
  await writeFile(`${out}.c`, source);
  await execFileP('gcc', ['-static', '-Os', '-s', '-o', out, `${out}.c`]);
}

/**
 * Writes an OCI image layout holding one image: `binary` as `/<name>`, run as `/<name> <args...>`.
 * `architecture` other than the node's makes a platform mismatch; `asIndex` wraps it in an image index
 * (what a multi-arch image is), so the runtime has to pick a platform.
 */
async function writeLayout(
  dir: string,
  ref: string,
  binary: string,
  entrypoint: string[],
  opts: { architecture?: string; asIndex?: boolean } = {},
): Promise<OciLayout> {
  const tag = ref.slice(ref.lastIndexOf(':') + 1);
  await mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const staging = `${dir}.rootfs`;
  await mkdir(staging, { recursive: true });
  const name = path.basename(entrypoint[0]!);
  await writeFile(path.join(staging, name), await readFile(binary), { mode: 0o755 });
  const { stdout: layerTar } = await execFileP(
    'tar',
    ['--create', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=posix', '-C', staging, name],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  const layer = await putBlob(dir, 'application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(layerTar));
  const platform = { architecture: opts.architecture ?? 'amd64', os: 'linux' };
  const config = await putBlob(
    dir,
    'application/vnd.oci.image.config.v1+json',
    json({ ...platform, config: { Entrypoint: entrypoint, Env: ['PATH=/'] }, rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] } }),
  );
  const manifestType = 'application/vnd.oci.image.manifest.v1+json';
  const manifest = await putBlob(dir, manifestType, json({ schemaVersion: 2, mediaType: manifestType, config, layers: [layer] }));
  const indexType = 'application/vnd.oci.image.index.v1+json';
  const top = opts.asIndex
    ? await putBlob(dir, indexType, json({ schemaVersion: 2, mediaType: indexType, manifests: [{ ...manifest, platform }] }))
    : { ...manifest, platform };
  const annotations = { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': tag };
  await writeFile(path.join(dir, 'oci-layout'), json({ imageLayoutVersion: '1.0.0' }));
  await writeFile(path.join(dir, 'index.json'), json({ schemaVersion: 2, mediaType: indexType, manifests: [{ ...top, annotations }] }));
  return { dir, tag };
}

export interface TestImages {
  /** The sandbox image, as a tar for `ctr images import` (named PAUSE_IMAGE). */
  pauseTar: string;
  /** The application image (`/hello <tag>`), tag v1. */
  hello: OciLayout;
  /** The same program built for arm64 only, behind an image index: no variant for an amd64 node. */
  helloArm64: OciLayout;
}

export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';

/** Builds the test images under `dir` (a second or two: two small static binaries). */
export async function buildTestImages(dir: string): Promise<TestImages> {
  await mkdir(dir, { recursive: true });
  const pauseBin = path.join(dir, 'pause');
  const helloBin = path.join(dir, 'hello');
  await Promise.all([compile(PAUSE_C, pauseBin), compile(HELLO_C, helloBin)]);
  const pause = await writeLayout(path.join(dir, 'pause-oci'), PAUSE_IMAGE, pauseBin, ['/pause']);
  const pauseTar = path.join(dir, 'pause.tar');
  await execFileP('tar', ['--create', '--file', pauseTar, '-C', pause.dir, '.']);
  const hello = await writeLayout(path.join(dir, 'hello-oci'), 'tcra.test/hello:v1', helloBin, ['/hello', 'v1']);
  const helloArm64 = await writeLayout(path.join(dir, 'hello-arm64-oci'), 'tcra.test/hello:arm64', helloBin, ['/hello', 'arm64'], {
    architecture: 'arm64',
    asIndex: true,
  });
  return { pauseTar, hello, helloArm64 };
}
