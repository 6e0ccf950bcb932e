import type { Generated } from "kysely";

/**
 * Row types of every table, in one place so Kysely checks every query.
 * Columns are snake_case in SQL and camelCase here (CamelCasePlugin).
 * Timestamps are ISO-8601 UTC strings; booleans are 0/1 integers (same on both engines).
 */

export interface SiteRow {
  id: Generated<number>;
  code: string;
  siteCode: string;
  name: string;
  kind: string; // portal | department | city | county
  parentId: number | null;
  host: string;
  themeColor: string;
  logoText: string;
  sponsor: string;
  organizer: string;
  contact: string;
  icp: string;
  policeRecord: string;
  description: string;
  sort: number;
  createdAt: string;
  updatedAt: string;
}

export interface ChannelRow {
  id: Generated<number>;
  siteId: number;
  parentId: number | null;
  slug: string;
  path: string;
  name: string;
  kind: string; // home | list | policy | disclosure | interaction | service | link
  sort: number;
  createdAt: string;
}

export interface RedirectRow {
  fromPath: string;
  toPath: string;
  reason: string;
  createdAt: string;
}

export interface IssuerRow {
  id: Generated<number>;
  name: string;
  code: string;
  docPrefix: string;
  indexFormat: string;
  siteId: number | null;
}

export interface IndexSequenceRow {
  issuerId: number;
  year: number;
  next: number;
}

export interface ArticleRow {
  id: Generated<number>;
  externalId: string | null;
  kind: string; // news | notice | policy | interpretation | report | budget
  title: string;
  summary: string;
  bodyHtml: string;
  bodyText: string;
  source: string;
  keywords: string;
  author: string;
  ownerSiteId: number;
  status: string; // draft | submitted | scheduled | published | withdrawn | unpublished
  unpublishReason: string | null; // error | consolidated | withdrawn
  unpublishNote: string | null;
  redirectTo: string | null;
  publishedAt: string | null;
  scheduledAt: string | null;
  docNumber: string | null;
  indexNo: string | null;
  issuer: string | null;
  issuerId: number | null;
  writtenAt: string | null;
  theme: string | null;
  validity: string | null; // 有效 | 修改 | 废止 | 失效
  validityNote: string | null;
  policyId: number | null;
  tableJson: string | null;
  version: number;
  createdBy: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface ArticleChannelRow {
  articleId: number;
  channelId: number;
  siteId: number;
}

export interface ArticleVersionRow {
  id: Generated<number>;
  articleId: number;
  version: number;
  title: string;
  bodyHtml: string;
  snapshot: string;
  note: string;
  createdBy: number | null;
  createdAt: string;
}

export interface AttachmentRow {
  id: Generated<number>;
  articleId: number | null;
  fileName: string;
  mime: string;
  size: number;
  sha256: string;
  createdAt: string;
}

export interface BlobRow {
  sha256: string;
  bytes: Buffer;
}

export interface StaffUserRow {
  id: Generated<number>;
  username: string;
  displayName: string;
  passwordHash: string;
  isOperator: number;
  totpSecret: string | null;
  failedLogins: Generated<number>;
  lockedUntil: string | null;
  disabled: Generated<number>;
  createdAt: string;
}

export interface StaffRoleRow {
  userId: number;
  siteId: number;
  role: string; // site_admin | editor | reviewer
}

export interface SessionRow {
  id: string;
  userId: number;
  kind: string;
  csrf: string;
  data: string;
  createdAt: string;
  expiresAt: string;
}

export interface AuditRow {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  detail: string;
  prevHash: string;
  hash: string;
}

export interface ErrorReportRow {
  id: Generated<number>;
  siteId: number;
  url: string;
  category: string;
  description: string;
  contact: string;
  status: string; // open | answered
  reply: string | null;
  answeredBy: number | null;
  createdAt: string;
  answeredAt: string | null;
}

export interface SearchDocRow {
  id: Generated<number>;
  docKey: string;
  kind: string;
  title: string;
  body: string;
  url: string;
  year: number;
  publishedAt: string;
  tokens: string;
  titleTokens: string;
  meta: string;
}

export interface SearchDocSiteRow {
  docId: number;
  siteId: number;
}

export interface SearchTermRow {
  term: string;
  df: number;
  pinyin: string;
}

export interface SearchLogRow {
  id: Generated<number>;
  at: string;
  query: string;
  siteCode: string | null;
  kind: string | null;
  total: number;
}

export interface KvRow {
  key: string;
  value: string;
}

export interface LetterRow {
  id: Generated<number>;
  queryNo: string;
  lookupHash: string;
  siteId: number;
  addresseeKind: string; // leader | department
  addresseeSiteId: number;
  kind: string; // consult | complaint | suggestion | help | other
  subject: string;
  content: string;
  name: string;
  phone: string;
  email: string;
  address: string;
  publishConsent: number;
  status: string; // submitted | screened | assigned | answered | reviewed | published | invalid
  flags: string;
  simhash: string;
  duplicateOfId: number | null;
  similarity: number | null;
  ownerSiteId: number | null;
  transferToSiteId: number | null;
  transferReason: string | null;
  transferCount: number;
  limitDays: number;
  extendedDays: number;
  extensionReason: string | null;
  dueAt: string;
  warnedAt: string | null;
  escalatedAt: string | null;
  escalationNote: string | null;
  answer: string | null;
  answeredAt: string | null;
  answeredBy: number | null;
  repliedAt: string | null;
  reviewedBy: number | null;
  publicSubject: string | null;
  publicContent: string | null;
  publicAnswer: string | null;
  publishedAt: string | null;
  rating: string | null; // satisfied | basic | unsatisfied
  solved: number | null;
  ratingNote: string | null;
  ratedAt: string | null;
  reopenCount: number;
  invalidReason: string | null;
  ipHash: string;
  source: string; // web | open311 | assistant | seed
  createdAt: string;
  updatedAt: string;
}

export interface LetterAttachmentRow {
  id: Generated<number>;
  letterId: number;
  fileName: string;
  mime: string;
  size: number;
  sha256: string;
  createdAt: string;
}

export interface LetterEventRow {
  id: Generated<number>;
  letterId: number;
  at: string;
  actor: string;
  action: string;
  status: string;
  note: string;
  public: number;
}

export interface LetterRuleRow {
  id: Generated<number>;
  keyword: string;
  targetSiteId: number;
  createdAt: string;
}

export interface LetterDraftRow {
  token: string;
  siteId: number;
  shownCount: number;
  firstShownAt: string | null;
  filedAt: string | null;
  createdAt: string;
}

export interface PhoneCodeRow {
  id: Generated<number>;
  phone: string;
  purpose: string;
  codeHash: string;
  ipHash: string;
  attempts: number;
  usedAt: string | null;
  expiresAt: string;
  createdAt: string;
}

export interface SmsOutboxRow {
  id: Generated<number>;
  phone: string;
  body: string;
  createdAt: string;
  sentAt: string | null;
}

export interface ConsultationRow {
  id: Generated<number>;
  siteId: number;
  title: string;
  draftText: string;
  opensAt: string;
  closesAt: string;
  summary: string | null;
  summaryPublishedAt: string | null;
  createdBy: number | null;
  createdAt: string;
  status: string; // draft | published
  publishedAt: string | null;
  updatedAt: string | null;
  updatedBy: number | null;
}

export interface ConsultationCommentRow {
  id: Generated<number>;
  consultationId: number;
  name: string;
  phone: string;
  content: string;
  status: string; // pending | approved | rejected
  /** adopted | partly | not_adopted, decided after the period closes (approved comments only). */
  adoption: string | null;
  adoptionNote: string | null;
  rejectReason: string | null;
  createdAt: string;
  moderatedAt: string | null;
  moderatedBy: number | null;
  ipHash: string;
}

export interface SurveyRow {
  id: Generated<number>;
  siteId: number;
  title: string;
  description: string;
  opensAt: string;
  closesAt: string;
  createdAt: string;
  status: string; // draft | published
  publishedAt: string | null;
  createdBy: number | null;
  updatedAt: string | null;
}

export interface SurveyQuestionRow {
  id: Generated<number>;
  surveyId: number;
  sort: number;
  kind: string; // single | multi | scale | text
  text: string;
  options: string;
  required: number;
}

export interface SurveyResponseRow {
  id: Generated<number>;
  surveyId: number;
  /** Keyed hash of the verified phone (PhoneVerifier.personHash): one answer per person, no phone kept. */
  personHash: string;
  createdAt: string;
  ipHash: string;
}

export interface SurveyAnswerRow {
  responseId: number;
  questionId: number;
  value: string;
}

export interface Open311KeyRow {
  id: Generated<number>;
  name: string;
  keyHash: string;
  siteId: number;
  createdAt: string;
  revokedAt: string | null;
}

export interface Database {
  sites: SiteRow;
  channels: ChannelRow;
  redirects: RedirectRow;
  issuers: IssuerRow;
  indexSequences: IndexSequenceRow;
  articles: ArticleRow;
  articleChannels: ArticleChannelRow;
  articleVersions: ArticleVersionRow;
  attachments: AttachmentRow;
  blobs: BlobRow;
  staffUsers: StaffUserRow;
  staffRoles: StaffRoleRow;
  sessions: SessionRow;
  auditLog: AuditRow;
  errorReports: ErrorReportRow;
  searchDocs: SearchDocRow;
  searchDocSites: SearchDocSiteRow;
  searchTerms: SearchTermRow;
  searchLog: SearchLogRow;
  kv: KvRow;
  assistantFaqs: AssistantFaqRow;
  assistantConversations: AssistantConversationRow;
  assistantTurns: AssistantTurnRow;
  letters: LetterRow;
  letterAttachments: LetterAttachmentRow;
  letterEvents: LetterEventRow;
  letterRules: LetterRuleRow;
  letterDrafts: LetterDraftRow;
  phoneCodes: PhoneCodeRow;
  smsOutbox: SmsOutboxRow;
  consultations: ConsultationRow;
  consultationComments: ConsultationCommentRow;
  surveys: SurveyRow;
  surveyQuestions: SurveyQuestionRow;
  surveyResponses: SurveyResponseRow;
  surveyAnswers: SurveyAnswerRow;
  open311Keys: Open311KeyRow;
  calendarDays: CalendarDayRow;
  serviceItems: ServiceItemRow;
  accounts: AccountRow;
  serviceForms: ServiceFormRow;
  serviceBundles: ServiceBundleRow;
  bundleApplications: BundleApplicationRow;
  applications: ApplicationRow;
  applicationEvents: ApplicationEventRow;
  applicationFiles: ApplicationFileRow;
  serviceGroups: ServiceGroupRow;
  serviceGroupMembers: ServiceGroupMemberRow;
  serviceWorkflows: ServiceWorkflowRow;
  applicationTasks: ApplicationTaskRow;
  applicationExtensions: ApplicationExtensionRow;
  applicationAlerts: ApplicationAlertRow;
  evaluations: EvaluationRow;
  rectifications: RectificationRow;
}

export interface AssistantFaqRow {
  id: string; // faq-NNN
  siteId: number;
  department: string;
  category: string;
  question: string;
  alternatives: string; // JSON string[]
  answer: string;
  keywords: string; // JSON string[]
  links: string; // JSON FaqLink[]
  status: string; // draft | submitted | published
  publishedJson: string | null; // the live version (FaqEntry + links) while a newer draft is edited
  publishedAt: string | null;
  version: number;
  createdBy: number | null;
  reviewedBy: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface AssistantConversationRow {
  id: string;
  siteId: number | null;
  context: string | null; // JSON AssistantContext
  turnCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface AssistantTurnRow {
  id: Generated<number>;
  conversationId: string;
  question: string;
  faqId: string | null;
  answered: number;
  reason: string;
  confidence: number;
  usedContext: number;
  rating: number | null; // 1 helpful, -1 not helpful
  resolved: number; // 1 once an editor dealt with it in the queue
  createdAt: string;
}

export interface CalendarDayRow {
  date: string;
  kind: string; // holiday | workday
  name: string;
}

export interface ServiceItemRow {
  id: Generated<number>;
  code: string;
  siteId: number;
  name: string;
  itemType: string;
  forPerson: number;
  forLegal: number;
  themes: string; // "|a|b|"
  lifeEvents: string; // "|a|b|"
  onlineDepth: string;
  visits: number;
  legalLimitDays: number;
  committedLimitDays: number;
  guide: string; // JSON Guide
  status: string; // published | draft
  version: number;
  formVersion: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface AccountRow {
  id: Generated<number>;
  kind: string; // person | enterprise
  loginName: string;
  name: string;
  idNumber: string | null;
  creditCode: string | null;
  contactName: string | null;
  phone: string;
  passwordHash: string | null;
  verified: Generated<number>;
  provider: string; // local | oidc
  subject: string;
  failedLogins: Generated<number>;
  lockedUntil: string | null;
  disabled: Generated<number>;
  createdAt: string;
}

export interface ServiceFormRow {
  id: Generated<number>;
  itemCode: string;
  version: number;
  schema: string; // JSON FormSchema
  note: string;
  createdBy: string;
  createdAt: string;
}

export interface ServiceBundleRow {
  id: Generated<number>;
  code: string;
  name: string;
  description: string;
  itemCodes: string; // JSON string[]
  lifeEvent: string;
  audience: string;
  sort: Generated<number>;
  createdAt: string;
}

export interface BundleApplicationRow {
  id: Generated<number>;
  trackingNo: string;
  bundleCode: string;
  accountId: number;
  idempotencyKey: string;
  createdAt: string;
}

export interface ApplicationRow {
  id: Generated<number>;
  trackingNo: string;
  itemCode: string;
  itemName: string;
  siteId: number;
  accountId: number;
  bundleApplicationId: number | null;
  status: string; // draft | prereview | correction | review | decided | delivered | closed | refused | withdrawn | suspended
  suspendedFrom: string | null;
  formVersion: number;
  data: string; // JSON form values
  applicantName: string;
  idempotencyKey: string;
  correctionCount: Generated<number>;
  correctionNote: string | null;
  prereview: string; // JSON automatic checks
  assigneeId: number | null;
  assigneeName: string | null;
  outcome: string | null; // approved | denied
  outcomeText: string | null;
  online: number;
  visits: number;
  acceptedOn: string | null;
  dueLegal: string | null;
  dueCommitted: string | null;
  dueDelivery: string | null;
  suspendedOn: string | null;
  suspendedDays: Generated<number>;
  submittedAt: string | null;
  decidedAt: string | null;
  closedAt: string | null;
  onTime: number | null;
  version: Generated<number>;
  createdAt: string;
  updatedAt: string;
  /** Version of the item's workflow pinned at submission (0: the department's default workflow). */
  workflowVersion: number | null;
  /** Why the clock stopped: suspend | hearing | testing | expert (听证、检验检测、专家评审). */
  suspendKind: string | null;
  extendedDays: Generated<number>;
}

export interface ServiceGroupRow {
  id: Generated<number>;
  siteId: number;
  code: string;
  name: string;
  kind: string; // handling | leader | supervision
  createdAt: string;
}

export interface ServiceGroupMemberRow {
  groupId: number;
  userId: number;
}

export interface ServiceWorkflowRow {
  id: Generated<number>;
  itemCode: string;
  version: number;
  definition: string; // JSON WorkflowDefinition
  note: string;
  createdBy: string;
  createdAt: string;
}

export interface ApplicationTaskRow {
  id: Generated<number>;
  applicationId: number;
  siteId: number;
  kind: string; // accept | review | decide | deliver
  stageNo: number;
  stepNo: number;
  name: string;
  groupId: number;
  assigneeId: number | null;
  assigneeName: string | null;
  status: string; // open | done | cancelled
  createdAt: string;
  claimedAt: string | null;
  doneAt: string | null;
  doneByName: string | null;
}

export interface ApplicationExtensionRow {
  id: Generated<number>;
  applicationId: number;
  siteId: number;
  days: number;
  reason: string;
  status: string; // pending | approved | refused
  requestedBy: number;
  requestedByName: string;
  requestedAt: string;
  decidedBy: number | null;
  decidedByName: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  dueBefore: string | null;
  dueAfter: string | null;
}

export interface ApplicationAlertRow {
  id: Generated<number>;
  applicationId: number;
  siteId: number;
  kind: string; // warning | escalation
  limitKind: string; // committed | legal | delivery
  due: string;
  groupId: number;
  createdAt: string;
}

export interface ApplicationEventRow {
  id: Generated<number>;
  applicationId: number;
  at: string;
  actorKind: string; // applicant | staff | system
  actorName: string;
  action: string;
  fromStatus: string | null;
  toStatus: string;
  note: string;
}

export interface ApplicationFileRow {
  id: Generated<number>;
  applicationId: number;
  field: string;
  fileName: string;
  mime: string;
  size: number;
  sha256: string;
  createdAt: string;
}

export interface EvaluationRow {
  id: Generated<number>;
  applicationId: number;
  siteId: number;
  itemCode: string;
  level: number; // 5 非常满意 … 1 非常不满意
  comment: string;
  isDefault: number;
  createdAt: string;
}

export interface RectificationRow {
  id: Generated<number>;
  evaluationId: number;
  siteId: number;
  status: string; // open | done | appealed | appeal_upheld | appeal_rejected
  dueOn: string;
  result: string | null;
  callback: string | null;
  appealReason: string | null;
  handledBy: string | null;
  createdAt: string;
  doneAt: string | null;
}
