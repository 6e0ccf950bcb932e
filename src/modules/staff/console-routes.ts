import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../../container.ts";
import loginRoutes from "./login-routes.tsx";
import articleRoutes from "../content/admin/articles-routes.tsx";
import auditRoutes from "./audit-routes.tsx";
import dashboardRoutes from "./dashboard-routes.tsx";
import errorReportRoutes from "../sites/admin/error-reports-routes.tsx";
import reviewRoutes from "../content/admin/review-routes.tsx";
import siteRoutes from "../sites/admin/sites-routes.tsx";
import userRoutes from "./users-routes.tsx";

/** The staff console (/admin): every area registers here so app.ts needs one line. */
export default async function consoleRoutes(app: FastifyInstance, opts: { deps: AppDeps }) {
  await app.register(loginRoutes, opts);
  await app.register(dashboardRoutes, opts);
  await app.register(articleRoutes, opts);
  await app.register(reviewRoutes, opts);
  await app.register(siteRoutes, opts);
  await app.register(userRoutes, opts);
  await app.register(auditRoutes, opts);
  await app.register(errorReportRoutes, opts);
}
