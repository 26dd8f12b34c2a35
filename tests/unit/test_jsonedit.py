from doover_tui.jsonedit import MISSING, get_path


def test_get_path_walks_objects_only() -> None:
    doc = {"pump": {"motor": {"rpm": 1450, "fault": None}}, "list": [1]}
    assert get_path(doc, "pump.motor.rpm") == 1450
    assert get_path(doc, "pump.motor.fault") is None
    assert get_path(doc, "pump.motor.gone") is MISSING
    assert get_path(doc, "list.0") is MISSING
    assert get_path(7, "a") is MISSING
