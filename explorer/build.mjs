// Bundles the explorer page into macro_assets/serve/static: no CDN at run time, every byte from
// the packages package-lock.json pins. Written to a temporary folder and renamed into place, so a
// failed build leaves the previous page (or none), never half of one.
import { build } from "esbuild";
import { cpSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "macro_assets", "serve", "static");
const staging = `${target}.building`;

rmSync(staging, { recursive: true, force: true });
mkdirSync(join(staging, "assets"), { recursive: true });
await build({
  entryPoints: [join(here, "src", "main.js")],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  outfile: join(staging, "assets", "explorer.js"),
  logLevel: "warning",
});
cpSync(join(here, "src", "index.html"), join(staging, "index.html"));
cpSync(join(here, "src", "explorer.css"), join(staging, "assets", "explorer.css"));
// us-atlas's TopoJSON (Census cartographic boundaries, 1:10m), fetched by the page for a map.
for (const atlas of ["states-10m.json", "counties-10m.json"]) {
  cpSync(join(here, "node_modules", "us-atlas", atlas), join(staging, "assets", atlas));
}
rmSync(target, { recursive: true, force: true });
renameSync(staging, target);
console.log(`explorer built into ${target}`);
