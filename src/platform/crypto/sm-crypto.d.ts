// The part of sm-crypto (GM/T 0003 SM2, GM/T 0004 SM3; plain JavaScript, no types shipped) used here.
declare module "sm-crypto" {
  interface SignatureOptions {
    der?: boolean;
    hash?: boolean;
    publicKey?: string;
    userId?: string;
  }
  const smCrypto: {
    sm2: {
      generateKeyPairHex(): { publicKey: string; privateKey: string };
      doSignature(msg: string | number[], privateKey: string, options?: SignatureOptions): string;
      doVerifySignature(
        msg: string | number[],
        signHex: string,
        publicKey: string,
        options?: Omit<SignatureOptions, "publicKey">,
      ): boolean;
      getPublicKeyFromPrivateKey(privateKey: string): string;
    };
  };
  export default smCrypto;
}
