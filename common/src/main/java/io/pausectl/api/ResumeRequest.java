package io.pausectl.api;

/**
 * Body of {@code POST /v1/resume}: name the lease, or force.
 *
 * @param lease the lease id to end
 * @param force end whatever pause holds, lease or not
 */
public record ResumeRequest(String lease, Boolean force) {
}
