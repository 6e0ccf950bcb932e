export { MailboxService } from "./service.ts";
export { LetterService } from "./letters.ts";
