from dedup.cluster import star_clusters


def test_a_chain_is_cut_at_its_center() -> None:
    # 0 ~ 1 ~ 2, but 0 and 2 are not similar: no cluster may hold both 0 and 2.
    clusters = star_clusters([1, 1, 1], {(0, 1): 0.85, (1, 2): 0.85}, [0, 1, 2])
    assert clusters == [[1, 0, 2]]  # 1 is the center: both verified against it
    clusters = star_clusters([1, 1, 1, 1], {(0, 1): 0.9, (1, 2): 0.9, (2, 3): 0.9}, [0, 1, 2, 3])
    for cluster in clusters:
        center, *rest = cluster
        assert all((min(center, r), max(center, r)) in {(0, 1), (1, 2), (2, 3)} for r in rest)
    # 1 and 2 tie on coverage; the earlier wins, and 3 (similar only to 2) stays out.
    assert clusters == [[1, 0, 2]]


def test_lone_nodes_form_clusters_only_when_repeated() -> None:
    assert star_clusters([1, 3, 1], {}, [0, 1, 2]) == [[1]]


def test_heaviest_node_is_the_center() -> None:
    clusters = star_clusters([1, 5, 1], {(0, 1): 0.9, (0, 2): 0.9}, [0, 1, 2])
    assert clusters[0][0] == 0  # covers 1 + 5 + 1 paragraphs
