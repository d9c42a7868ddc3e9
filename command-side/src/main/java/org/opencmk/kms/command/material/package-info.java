/**
 * Bring your own key (seeds 000, 001, 002; CTyun "外部密钥导入"): the commands that import,
 * delete and expire the material of an EXTERNAL CMK, decided by the
 * {@link org.opencmk.kms.command.lifecycle.Cmk} aggregate, and the saga that owns the persistent
 * deadline at which imported material expires. Only wrapped material and a keyed fingerprint
 * reach a command; unwrapping what the user sent happens before, in the server.
 */
package org.opencmk.kms.command.material;
