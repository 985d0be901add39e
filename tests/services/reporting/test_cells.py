from services.reporting.cells import csv_bytes, not_a_formula


def test_csv_cells_are_not_formulas_and_excel_reads_the_chinese():
    data = csv_bytes(["姓名"], [["=1+1"], [-3], ["@x"], ["张三"]])
    assert data.startswith("\ufeff".encode("utf-8"))
    assert data.decode("utf-8-sig").splitlines() == ["姓名", "'=1+1", "-3", "'@x", "张三"]


def test_numbers_stay_numbers_and_only_text_is_guarded():
    assert not_a_formula(-3) == -3 and not_a_formula("-3") == "'-3" and not_a_formula("\t1") == "'\t1"
