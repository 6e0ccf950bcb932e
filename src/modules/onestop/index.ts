/**
 * The service hall's public surface for other modules: the form engine (forms as data, read and
 * validated on the server, rendered without JavaScript). Registration campaigns define their
 * questions with it.
 */
export {
  activeValues,
  FIELD_TYPES,
  formSchemaIssues,
  formSchemaProblems,
  readValues,
  validateValues,
  type FieldValue,
  type FormField,
  type FormSchema,
  type FormSchemaIssue,
  type FormValues,
  type RawInput,
} from "./forms.ts";
export { FormFields } from "./views/form-fields.tsx";
export type { OneStopService } from "./service.ts";
export {
  serviceFunnelCounts,
  type BundleFunnelCounts,
  type ItemFunnelCounts,
  type OneStopFunnelTables,
} from "./funnel.ts";
/** Federation (跨省通办) files applications from peers and reports their status back. */
export type { ServiceItem } from "./catalogue.ts";
export type { Guide } from "./guide.ts";
export { ACTION_LABELS, STATUS_LABELS, type Application } from "./application-model.ts";
