from dyadwatch.coding.patterns import load_patterns
from dyadwatch.ontology.cameo import load_ontology


def test_every_cameo_code_has_name_weight_and_quad_class():
    onto = load_ontology()
    assert len(onto) == 312
    roots = sorted(c.root for c in onto.roots())
    assert roots == [f"{i:02d}" for i in range(1, 21)]
    for c in onto.codes():
        assert c.name
        assert -10.0 <= c.goldstein <= 10.0
        assert c.quad_class in (1, 2, 3, 4)
        assert c.code.startswith(c.root)


def test_known_codes_carry_standard_values():
    onto = load_ontology()
    assert onto["161"].name == "Reduce or break diplomatic relations"
    assert onto["161"].goldstein == -4.0
    assert onto["161"].quad_class == 4
    assert onto["041"].plover == "CONSULT"
    assert onto["190"].quad_class == 4
    assert onto["030"].quad_class == 1
    assert onto["1213"].goldstein == -4.0  # filled from the ICEWS table


def test_patterns_cover_all_twenty_roots_with_valid_codes():
    onto = load_ontology()
    patterns = load_patterns().all()
    roots = {p.code[:2] for p in patterns}
    assert roots == {f"{i:02d}" for i in range(1, 21)}
    assert all(p.code in onto for p in patterns)
