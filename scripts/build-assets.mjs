// Builds the static files the site serves, into static/dist:
// - our stylesheet (GOV.UK Frontend with a system font stack instead of the GOV.UK
//   brand font), the GOV.UK Frontend script, our script and the favicon;
// - each under a fingerprinted name (a hash of its content in the file name), so that
//   browsers can keep it for a year: a changed file gets a new name;
// - each text file also compressed with gzip (.gz) and brotli (.br), once here rather
//   than on every request;
// - manifest.json, mapping each file's plain name to its fingerprinted name, which the
//   app reads to write its links (static_url() in the templates).
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "static", "dist");
const publicDir = join(dist, "public");
rmSync(dist, { recursive: true, force: true });
mkdirSync(publicDir, { recursive: true });

const COMPRESSIBLE = new Set([".css", ".js", ".mjs", ".svg"]);
const manifest = {};

function fingerprinted(name, content) {
  const hash = createHash("sha256").update(content).digest("hex").slice(0, 12);
  const ext = extname(name);
  return `${name.slice(0, -ext.length)}.${hash}${ext}`;
}

function emit(name, content) {
  const file = fingerprinted(name, content);
  const path = join(publicDir, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  if (COMPRESSIBLE.has(extname(name))) {
    writeFileSync(`${path}.gz`, gzipSync(content, { level: 9 }));
    writeFileSync(
      `${path}.br`,
      brotliCompressSync(content, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
        },
      }),
    );
  }
  manifest[name] = file;
  return file;
}

const css = sass.compile(join(root, "static", "src", "app.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
});
emit("app.css", Buffer.from(css.css));

const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk", "govuk-frontend.min.js");
const govukFile = emit("govuk-frontend.min.js", readFileSync(govuk));

// Our script imports GOV.UK Frontend's by a relative URL: point it at the fingerprinted
// name, so that the import is cached for as long as the script is.
const appSource = readFileSync(join(root, "static", "js", "app.mjs"), "utf8");
const importPath = '"../dist/govuk-frontend.min.js"';
if (!appSource.includes(importPath)) {
  throw new Error(`static/js/app.mjs no longer imports ${importPath}: update the build`);
}
emit("app.mjs", Buffer.from(appSource.replace(importPath, JSON.stringify(`./${govukFile}`))));

emit("images/favicon.svg", readFileSync(join(root, "static", "images", "favicon.svg")));

writeFileSync(join(dist, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
console.log("assets built in static/dist");
