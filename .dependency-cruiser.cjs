/**
 * The module walls (see docs/architecture.md). `npm run lint` runs this; a violation fails `npm test`.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      comment: "An import cycle makes load order matter and hides which side owns what.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "platform-imports-no-domain",
      comment: "platform/ is infrastructure with no domain words: it never imports modules, web or the app.",
      severity: "error",
      from: { path: "^src/platform/" },
      to: { path: "^src/(modules|web|seed)/|^src/(app|container|main|server|cluster|jobs)\\.ts$" },
    },
    {
      name: "web-imports-no-module",
      comment: "web/ is the design system: components know nothing of a module's data.",
      severity: "error",
      from: { path: "^src/web/" },
      to: { path: "^src/modules/|^src/(app|container)\\.ts$" },
    },
    {
      name: "module-through-public-surface",
      comment: "A module reaches another only through its index.ts (service and exported types).",
      severity: "error",
      from: { path: "^src/modules/([^/]+)/", pathNot: "\\.test\\.tsx?$" },
      to: { path: "^src/modules/", pathNot: ["^src/modules/$1/", "^src/modules/[^/]+/index\\.ts$"] },
    },
    {
      name: "only-entry-points-import-app",
      comment: "app.ts builds the HTTP app; only the entry points and tests build it.",
      severity: "error",
      from: { pathNot: "^src/(main|server|cluster)\\.ts$|^test/|^bench/|\\.test\\.tsx?$" },
      to: { path: "^src/app\\.ts$" },
    },
    {
      name: "only-entry-points-import-container",
      comment:
        "container.ts wires every module; modules receive what they need, they never import the wiring.",
      severity: "error",
      from: {
        path: "^src/(modules|platform|web)/",
        pathNot: "\\.test\\.tsx?$|-cli\\.ts$|/test-helpers\\.ts$",
      },
      to: { path: "^src/(container|deps)\\.ts$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".js"] },
  },
};
