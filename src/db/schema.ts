import type { AccountsTables } from "../modules/accounts/tables.ts";

import type { AnalyticsTables } from "../modules/analytics/tables.ts";

import type { AssistantTables } from "../modules/assistant/tables.ts";

import type { ContentTables } from "../modules/content/tables.ts";

import type { ExchangeTables } from "../modules/exchange/tables.ts";
import type { LicencesTables } from "../modules/licences/tables.ts";
import type { FederationTables } from "../modules/federation/tables.ts";

import type { DisclosureTables } from "../modules/disclosure/tables.ts";

import type { MailboxTables } from "../modules/mailbox/tables.ts";

import type { OneStopTables } from "../modules/onestop/tables.ts";

import type { ParticipationTables } from "../modules/participation/tables.ts";

import type { RegistrationTables } from "../modules/registration/tables.ts";

import type { SearchLogTables } from "../modules/search/tables.ts";

import type { SitesTables } from "../modules/sites/tables.ts";

import type { StaffTables } from "../modules/staff/tables.ts";

import type { AuditTables } from "../platform/audit/tables.ts";

import type { AuthTables } from "../platform/auth/tables.ts";

import type { CalendarTables } from "../platform/calendar/tables.ts";

import type { FilesTables } from "../platform/files/tables.ts";

import type { KvTables } from "../platform/kv/tables.ts";

import type { PhoneTables } from "../platform/phone/tables.ts";

import type { SearchTables } from "../platform/search/tables.ts";

import type { InspectionTables } from "../modules/inspection/tables.ts";
import type { PoliciesTables } from "../modules/policies/tables.ts";

/**
 * Every table the migrations create, as the intersection of what each owner declares beside itself
 * (src/modules/<m>/tables.ts, src/platform/<p>/tables.ts). Only the database opener (container.ts)
 * and the schema test use it; each service gets a handle typed to its own tables.
 *
 * Conventions: columns are snake_case in SQL and camelCase here (CamelCasePlugin); timestamps are
 * ISO-8601 UTC strings; booleans are 0/1 integers (same on both engines); statuses and kinds are
 * string-literal unions. test/schema.test.ts checks this type against the migrated database.
 */
export type Database = SitesTables &
  ContentTables &
  ExchangeTables &
  RegistrationTables &
  DisclosureTables &
  LicencesTables &
  StaffTables &
  AccountsTables &
  AnalyticsTables &
  SearchLogTables &
  AssistantTables &
  MailboxTables &
  ParticipationTables &
  OneStopTables &
  AuthTables &
  AuditTables &
  SearchTables &
  KvTables &
  FilesTables &
  PhoneTables &
  CalendarTables &
  InspectionTables &
  PoliciesTables &
  FederationTables;
