// A sign + verify round with an asymmetric key through the official Tencent Cloud Node.js SDK,
// the signature checked once more with Node's own crypto and the key's PEM. Prints one JSON line.
const crypto = require("crypto");
const { CommonClient } = require("tencentcloud-sdk-nodejs-common");

const endpoint = process.env.KMS_ENDPOINT;
const client = new CommonClient(endpoint, "2019-01-18", {
  credential: { secretId: process.env.KMS_SECRET_ID, secretKey: process.env.KMS_SECRET_KEY },
  region: "ap-guangzhou",
  profile: { httpProfile: { endpoint, protocol: "http://" } },
});

async function errorCode(action, params) {
  try {
    await client.request(action, params);
    return null;
  } catch (e) {
    return e.code || String(e);
  }
}

(async () => {
  const created = await client.request("CreateKey", { KeyUsage: "ASYMMETRIC_SIGN_VERIFY_ECC", Description: "from node" });
  const message = Buffer.from("signed from node");
  const sign = { KeyId: created.KeyId, Algorithm: "ECC_P256_R1", MessageType: "RAW", Message: message.toString("base64") };
  const signed = await client.request("SignByAsymmetricKey", sign);
  const verified = await client.request("VerifyByAsymmetricKey", { ...sign, SignatureValue: signed.Signature });
  const tampered = await client.request("VerifyByAsymmetricKey",
    { ...sign, Message: Buffer.from("signed from nodE").toString("base64"), SignatureValue: signed.Signature });
  const publicKey = await client.request("GetPublicKey", { KeyId: created.KeyId });
  console.log(JSON.stringify({
    keyId: created.KeyId,
    keyUsage: created.KeyUsage,
    signedWith: signed.KeyId,
    verified: verified.SignatureValid,
    tampered: tampered.SignatureValid,
    nodeVerified: crypto.verify("sha256", message, publicKey.PublicKeyPem, Buffer.from(signed.Signature, "base64")),
    wrongAlgorithm: await errorCode("SignByAsymmetricKey", { ...sign, Algorithm: "SM2DSA" }),
  }));
})().catch((e) => {
  console.log(JSON.stringify({ failure: String(e && (e.code || e.message) || e) }));
  process.exit(1);
});
