from benhan.vn.text import fold


def test_fold_strips_vietnamese_diacritics_and_case() -> None:
    assert fold("Nguyễn Thị Ánh") == "nguyen thi anh"
    assert fold("ĐẶNG  Văn   Đức") == "dang van duc"
    assert fold("Trần") == "tran"


def test_fold_keeps_plain_ascii() -> None:
    assert fold("Smith-Jones 42") == "smith-jones 42"
