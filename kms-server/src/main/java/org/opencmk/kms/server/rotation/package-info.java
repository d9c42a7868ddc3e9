/**
 * Key versions and rotation (CTyun guide 1.3, 3.2.6, 4.5; Tencent's rotation actions): rotation on
 * demand and on a schedule through the CMK aggregate, and the versions and schedule the key view
 * holds.
 */
package org.opencmk.kms.server.rotation;
