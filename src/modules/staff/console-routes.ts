import type { FastifyInstance } from "fastify";
import type { StaffDeps } from "./deps.ts";
import loginRoutes from "./login-routes.tsx";
import auditRoutes from "./audit-routes.tsx";
import dashboardRoutes from "./dashboard-routes.tsx";
import userRoutes from "./users-routes.tsx";

/** The staff console (/admin): sign-in, dashboard, users and the audit log. */
export default async function consoleRoutes(app: FastifyInstance, opts: { deps: StaffDeps }) {
  await app.register(loginRoutes, opts);
  await app.register(dashboardRoutes, opts);
  await app.register(userRoutes, opts);
  await app.register(auditRoutes, opts);
}
