package io.pausectl.api;

import java.util.List;

/**
 * The answer to {@code GET /v1/held}: the requests held now, oldest first.
 *
 * @param total how many are held now (the list may stop at the asked limit)
 * @param held  at most the asked limit of them, oldest first
 */
public record HeldList(int total, List<HeldRequest> held) {
    public HeldList {
        held = held == null ? List.of() : List.copyOf(held);
    }
}
