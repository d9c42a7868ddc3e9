/**
 * Key versions and rotation (CTyun guide 1.3, 3.2.6; Tencent's rotation actions): the commands
 * that rotate a CMK on demand and on a schedule, and the saga that owns the schedule's persistent
 * deadline. The {@link org.opencmk.kms.command.lifecycle.Cmk} aggregate decides; the new version's
 * material is made by {@link org.opencmk.kms.command.lifecycle.KeyRotationHandler}.
 */
package org.opencmk.kms.command.rotation;
