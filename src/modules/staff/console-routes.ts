import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { StaffDeps } from "./deps.ts";
import loginRoutes from "./login-routes.tsx";
import auditRoutes from "./audit-routes.tsx";
import dashboardRoutes from "./dashboard-routes.tsx";
import userRoutes from "./users-routes.tsx";

/** The staff console (/admin): sign-in, dashboard, users and the audit log. */
const consoleRoutes: FastifyPluginAsyncTypebox<{ deps: StaffDeps }> = async (app, opts) => {
  await app.register(loginRoutes, opts);
  await app.register(dashboardRoutes, opts);
  await app.register(userRoutes, opts);
  await app.register(auditRoutes, opts);
};
export default consoleRoutes;
