export { LicencesService, type Licence, type TreeHead } from "./service.ts";
export { seedLicences } from "./seed.ts";
export { LICENCE_KINDS, licenceKind, type LicenceKind } from "./catalogue.ts";
export { verifyPresentation, type Verification, type IssuerTrust } from "./verify.ts";
export { LicenceConsents, type Consent, type LicenceFetch } from "./consents.ts";
export { HallLicences, type HeldLicence } from "./hall-licences.ts";
