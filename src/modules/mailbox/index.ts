export { MailboxService } from "./service.ts";
export { LetterService, type PublishedLetter } from "./letters.ts";
export { letterKindCounts, type LetterKindTables } from "./kinds.ts";
