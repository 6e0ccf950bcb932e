import type { FastifyInstance } from "fastify";
import type { Services } from "../../app.ts";
import loginRoutes from "../staff/login-routes.tsx";
import articleRoutes from "./articles-routes.tsx";
import auditRoutes from "./audit-routes.tsx";
import dashboardRoutes from "./dashboard-routes.tsx";
import errorReportRoutes from "./error-reports-routes.tsx";
import reviewRoutes from "./review-routes.tsx";
import siteRoutes from "./sites-routes.tsx";
import userRoutes from "./users-routes.tsx";

/** The staff console (/admin): every area registers here so app.ts needs one line. */
export default async function consoleRoutes(app: FastifyInstance, opts: { services: Services }) {
  await app.register(loginRoutes, opts);
  await app.register(dashboardRoutes, opts);
  await app.register(articleRoutes, opts);
  await app.register(reviewRoutes, opts);
  await app.register(siteRoutes, opts);
  await app.register(userRoutes, opts);
  await app.register(auditRoutes, opts);
  await app.register(errorReportRoutes, opts);
}
