// The seeds' symmetric flow through the official Tencent Cloud Node.js SDK (PROTOCOL.md: it signs
// the host without its port and sends no charset). Prints one JSON line with what it saw.
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
  const created = await client.request("CreateKey", { Alias: "node-sdk", Description: "from node" });
  const plaintext = Buffer.from("secret from node").toString("base64");
  const context = JSON.stringify({ app: "node" });
  const encrypted = await client.request("Encrypt", { KeyId: "node-sdk", Plaintext: plaintext, EncryptionContext: context });
  const decrypted = await client.request("Decrypt", { CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: context });
  const dataKey = await client.request("GenerateDataKey", { KeyId: created.KeyId, KeySpec: "AES_256" });
  const dataKeyBack = await client.request("Decrypt", { CiphertextBlob: dataKey.CiphertextBlob });
  console.log(JSON.stringify({
    keyId: created.KeyId,
    encryptedWith: encrypted.KeyId,
    roundTrip: Buffer.from(decrypted.Plaintext, "base64").toString() === "secret from node",
    dataKeyRoundTrip: dataKeyBack.Plaintext === dataKey.Plaintext && Buffer.from(dataKey.Plaintext, "base64").length === 32,
    wrongContext: await errorCode("Decrypt", { CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: "{}" }),
    unknownKey: await errorCode("DescribeKey", { KeyId: "00000000-0000-4000-8000-000000000000" }),
  }));
})().catch((e) => {
  console.log(JSON.stringify({ failure: String(e && (e.code || e.message) || e) }));
  process.exit(1);
});
