"""The BHYT claim tables of QĐ 130/QĐ-BYT as amended by QĐ 4750 and QĐ 3176: element names and order.

Field lists follow the tables the Ministry published (see ../shared/docs/VN-STANDARDS.md §2.3); the
version in force is a setting (BENHAN_BHYT_XML_VERSION) because the Ministry amends them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class TableSpec:
    name: str  # LOAIHOSO: XML1 ... XML15
    title: str
    root: str  # root element of the table's own XML document
    fields: tuple[str, ...]
    list_tag: str = ""  # for multi-row tables: the list element inside the root
    row_tag: str = ""  # ... and each row's element

    @property
    def multi_row(self) -> bool:
        return bool(self.row_tag)


_PAYMENT_OTHER = ("T_NGUONKHAC_NSNN", "T_NGUONKHAC_VTNN", "T_NGUONKHAC_VTTN", "T_NGUONKHAC_CL", "T_NGUONKHAC")

_XML1 = (
    "MA_LK", "STT", "MA_BN", "HO_TEN", "SO_CCCD", "NGAY_SINH", "GIOI_TINH", "NHOM_MAU", "MA_QUOCTICH",
    "MA_DANTOC", "MA_NGHE_NGHIEP", "DIA_CHI", "MATINH_CU_TRU", "MAHUYEN_CU_TRU", "MAXA_CU_TRU",
    "DIEN_THOAI", "MA_THE_BHYT", "MA_DKBD", "GT_THE_TU", "GT_THE_DEN", "NGAY_MIEN_CCT", "LY_DO_VV",
    "LY_DO_VNT", "MA_LY_DO_VNT", "CHAN_DOAN_VAO", "CHAN_DOAN_RV", "MA_BENH_CHINH", "MA_BENH_KT",
    "MA_BENH_YHCT", "MA_PTTT_QT", "MA_DOITUONG_KCB", "MA_NOI_DI", "MA_NOI_DEN", "MA_TAI_NAN", "NGAY_VAO",
    "NGAY_VAO_NOI_TRU", "NGAY_RA", "GIAY_CHUYEN_TUYEN", "SO_NGAY_DTRI", "PP_DIEU_TRI", "KET_QUA_DTRI",
    "MA_LOAI_RV", "GHI_CHU", "NGAY_TTOAN", "T_THUOC", "T_VTYT", "T_TONGCHI_BV", "T_TONGCHI_BH",
    "T_BNTT", "T_BNCCT", "T_BHTT", "T_NGUONKHAC", "T_BHTT_GDV", "NAM_QT", "THANG_QT", "MA_LOAI_KCB",
    "MA_KHOA", "MA_CSKCB", "MA_KHUVUC", "CAN_NANG", "CAN_NANG_CON", "NAM_NAM_LIEN_TUC", "NGAY_TAI_KHAM",
    "MA_HSBA", "MA_TTDV", "DU_PHONG",
)
_XML2 = (
    "MA_LK", "STT", "MA_THUOC", "MA_PP_CHEBIEN", "MA_CSKCB_THUOC", "MA_NHOM", "TEN_THUOC",
    "DON_VI_TINH", "HAM_LUONG", "DUONG_DUNG", "DANG_BAO_CHE", "LIEU_DUNG", "CACH_DUNG",
    "SO_DANG_KY", "TT_THAU", "PHAM_VI", "TYLE_TT_BH", "SO_LUONG", "DON_GIA", "THANH_TIEN_BV",
    "THANH_TIEN_BH", *_PAYMENT_OTHER, "MUC_HUONG", "T_BHTT", "T_BNCCT", "T_BNTT", "MA_KHOA", "MA_BAC_SI",
    "MA_DICH_VU", "NGAY_YL", "NGAY_TH_YL", "MA_PTTT", "NGUON_CTRA", "VET_THUONG_TP", "DU_PHONG",
)
_XML3 = (
    "MA_LK", "STT", "MA_DICH_VU", "MA_PTTT_QT", "MA_VAT_TU", "MA_NHOM", "GOI_VTYT", "TEN_VAT_TU",
    "TEN_DICH_VU", "MA_XANG_DAU", "DON_VI_TINH", "PHAM_VI", "SO_LUONG", "DON_GIA_BV", "DON_GIA_BH",
    "TT_THAU", "TYLE_TT_DV", "TYLE_TT_BH", "THANH_TIEN_BV", "THANH_TIEN_BH", "T_TRANTT", "MUC_HUONG",
    *_PAYMENT_OTHER, "T_BHTT", "T_BNTT", "T_BNCCT", "MA_KHOA", "MA_GIUONG", "MA_BAC_SI", "NGUOI_THUC_HIEN",
    "MA_BENH", "MA_BENH_YHCT", "NGAY_YL", "NGAY_TH_YL", "NGAY_KQ", "MA_PTTT", "VET_THUONG_TP", "PP_VO_CAM",
    "VI_TRI_TH_DVKT", "MA_MAY", "MA_HIEU_SP", "TAI_SU_DUNG", "DU_PHONG",
)
_XML4 = ("MA_LK", "STT", "MA_DICH_VU", "MA_CHI_SO", "TEN_CHI_SO", "GIA_TRI", "DON_VI_DO", "MO_TA", "KET_LUAN",
         "NGAY_KQ", "MA_BS_DOC_KQ", "DU_PHONG")
_XML5 = ("MA_LK", "STT", "DIEN_BIEN_LS", "GIAI_DOAN_BENH", "HOI_CHAN", "PHAU_THUAT", "THOI_DIEM_DBLS",
         "NGUOI_THUC_HIEN", "DU_PHONG")
_XML7 = (
    "MA_LK", "SO_LUU_TRU", "MA_YTE", "MA_KHOA_RV", "NGAY_VAO", "NGAY_RA", "MA_DINH_CHI_THAI",
    "NGUYENNHAN_DINHCHI", "THOIGIAN_DINHCHI", "TUOI_THAI", "CHAN_DOAN_RV", "PP_DIEUTRI", "GHI_CHU",
    "MA_TTDV", "MA_BS", "TEN_BS", "NGAY_CT", "MA_CHA", "MA_ME", "MA_THE_TAM", "HO_TEN_CHA", "HO_TEN_ME",
    "SO_NGAY_NGHI", "NGOAITRU_TUNGAY", "NGOAITRU_DENNGAY", "DU_PHONG",
)
_XML8 = (
    "MA_LK", "MA_LOAI_KCB", "HO_TEN_CHA", "HO_TEN_ME", "NGUOI_GIAM_HO", "DON_VI", "NGAY_VAO", "NGAY_RA",
    "CHAN_DOAN_VAO", "CHAN_DOAN_RV", "QT_BENHLY", "TOMTAT_KQ", "PP_DIEUTRI", "NGAY_SINHCON",
    "NGAY_CONCHET", "SO_CONCHET", "KET_QUA_DTRI", "GHI_CHU", "MA_TTDV", "NGAY_CT", "MA_THE_TAM", "DU_PHONG",
)
_XML11 = (
    "MA_LK", "SO_CT", "SO_SERI", "SO_KCB", "DON_VI", "MA_BHXH", "MA_THE_BHYT", "CHAN_DOAN_RV", "PP_DIEUTRI",
    "MA_DINH_CHI_THAI", "NGUYENNHAN_DINHCHI", "TUOI_THAI", "SO_NGAY_NGHI", "TU_NGAY", "DEN_NGAY", "HO_TEN_CHA",
    "HO_TEN_ME", "MA_TTDV", "MA_BS", "NGAY_CT", "MA_THE_TAM", "MAU_SO", "DU_PHONG",
)
_XML13_HEAD = ("MA_LK", "SO_HOSO", "SO_CHUYENTUYEN", "GIAY_CHUYEN_TUYEN", "MA_CSKCB")
_XML13_PATIENT = (
    "HO_TEN", "NGAY_SINH", "GIOI_TINH", "MA_QUOCTICH", "MA_DANTOC", "MA_NGHE_NGHIEP", "DIA_CHI",
    "MA_THE_BHYT", "GT_THE_DEN", "NGAY_VAO", "NGAY_VAO_NOI_TRU", "NGAY_RA", "DAU_HIEU_LS", "CHAN_DOAN_RV",
    "QT_BENHLY", "TOMTAT_KQ", "PP_DIEUTRI", "MA_BENH_CHINH", "MA_BENH_KT", "MA_BENH_YHCT",
)
_XML13_TAIL = ("MA_LYDO_CT", "HUONG_DIEU_TRI", "PHUONGTIEN_VC", "HOTEN_NGUOI_HT", "CHUCDANH_NGUOI_HT",
               "MA_BAC_SI", "MA_TTDV", "DU_PHONG")
_XML13_4750 = (*_XML13_HEAD, "MA_NOI_DI", "MA_NOI_DEN", *_XML13_PATIENT, "TEN_DICH_VU", "TEN_THUOC",
               "PP_DIEU_TRI", "MA_LOAI_RV", *_XML13_TAIL)
_XML13_3176 = (*_XML13_HEAD, "MA_CSKCB_DI", "MA_CSKCB_DEN", *_XML13_PATIENT, "TINH_TRANG_CT", "MA_LOAI_RV",
               *_XML13_TAIL)
_XML14 = (
    "MA_LK", "SO_GIAYHEN_KL", "MA_CSKCB", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "DIA_CHI", "MA_THE_BHYT",
    "GT_THE_DEN", "NGAY_VAO", "NGAY_VAO_NOI_TRU", "NGAY_RA", "NGAY_HEN_KL", "CHAN_DOAN_RV", "MA_BENH_CHINH",
    "MA_BENH_KT", "MA_BENH_YHCT", "MA_DOITUONG_KCB", "MA_BAC_SI", "MA_TTDV", "NGAY_CT", "DU_PHONG",
)


def _tables(xml13: tuple[str, ...]) -> dict[str, TableSpec]:
    specs = [
        TableSpec("XML1", "Chỉ tiêu tổng hợp khám bệnh, chữa bệnh", "TONG_HOP", _XML1),
        TableSpec("XML2", "Chỉ tiêu chi tiết thuốc", "CHITIEU_CHITIET_THUOC", _XML2,
                  "DSACH_CHI_TIET_THUOC", "CHI_TIET_THUOC"),
        TableSpec("XML3", "Chỉ tiêu chi tiết dịch vụ kỹ thuật và vật tư y tế", "CHITIEU_CHITIET_DVKT_VTYT", _XML3,
                  "DSACH_CHI_TIET_DVKT", "CHI_TIET_DVKT"),
        TableSpec("XML4", "Chỉ tiêu chi tiết dịch vụ cận lâm sàng", "CHITIEU_CHITIET_DICHVUCANLAMSANG", _XML4,
                  "DSACH_CHI_TIET_CLS", "CHI_TIET_CLS"),
        TableSpec("XML5", "Chỉ tiêu chi tiết diễn biến lâm sàng", "CHITIEU_CHITIET_DIENBIENLAMSANG", _XML5,
                  "DSACH_CHI_TIET_DIEN_BIEN_BENH", "CHI_TIET_DIEN_BIEN_BENH"),
        TableSpec("XML7", "Chỉ tiêu dữ liệu giấy ra viện", "CHI_TIEU_DU_LIEU_GIAY_RA_VIEN", _XML7),
        TableSpec("XML8", "Chỉ tiêu dữ liệu tóm tắt hồ sơ bệnh án", "CHI_TIEU_DU_LIEU_TOM_TAT_HO_SO_BENH_AN", _XML8),
        TableSpec("XML11", "Chỉ tiêu dữ liệu giấy chứng nhận nghỉ việc hưởng BHXH",
                  "CHI_TIEU_DU_LIEU_GIAY_CHUNG_NHAN_NGHI_VIEC_HUONG_BAO_HIEM_XA_HOI", _XML11),
        TableSpec("XML13", "Chỉ tiêu dữ liệu giấy chuyển tuyến", "CHI_TIEU_GIAYCHUYENTUYEN", xml13),
        TableSpec("XML14", "Chỉ tiêu dữ liệu giấy hẹn khám lại", "CHI_TIEU_GIAYHEN_KHAMLAI", _XML14),
    ]
    return {s.name: s for s in specs}


VERSIONS: dict[str, dict[str, TableSpec]] = {
    "4750": _tables(_XML13_4750),
    "3176": _tables(_XML13_3176),
}
DEFAULT_VERSION = "3176"

# Fields holding yyyyMMddHHmm instants and yyyyMMdd dates (all values are strings in the XML).
DATETIME_FIELDS = frozenset({
    "NGAY_VAO", "NGAY_VAO_NOI_TRU", "NGAY_RA", "NGAY_TTOAN", "NGAY_YL", "NGAY_TH_YL", "NGAY_KQ", "THOI_DIEM_DBLS",
})
DATE_FIELDS = frozenset({
    "NGAY_SINH", "GT_THE_TU", "GT_THE_DEN", "NGAY_MIEN_CCT", "NGAY_CT", "NGAY_HEN_KL", "NGAY_TAI_KHAM",
    "TU_NGAY", "DEN_NGAY", "NGOAITRU_TUNGAY", "NGOAITRU_DENNGAY",
})
MONEY_FIELDS = frozenset({
    "DON_GIA", "DON_GIA_BV", "DON_GIA_BH", "THANH_TIEN_BV", "THANH_TIEN_BH", "T_TRANTT", "T_BHTT", "T_BNCCT",
    "T_BNTT", "T_THUOC", "T_VTYT", "T_TONGCHI_BV", "T_TONGCHI_BH", "T_BHTT_GDV", *_PAYMENT_OTHER,
})

# Fields a claim cannot go without, per table (the rest may stay empty when they do not apply).
REQUIRED: dict[str, frozenset[str]] = {
    "XML1": frozenset({"MA_LK", "STT", "MA_BN", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "DIA_CHI", "MA_THE_BHYT",
                       "GT_THE_TU", "GT_THE_DEN", "CHAN_DOAN_RV", "MA_BENH_CHINH", "MA_DOITUONG_KCB", "NGAY_VAO",
                       "NGAY_RA", "SO_NGAY_DTRI", "KET_QUA_DTRI", "MA_LOAI_RV", "T_TONGCHI_BV", "T_TONGCHI_BH",
                       "T_BHTT", "T_BNCCT", "T_BNTT", "NAM_QT", "THANG_QT", "MA_LOAI_KCB", "MA_KHOA", "MA_CSKCB"}),
    "XML2": frozenset({"MA_LK", "STT", "MA_THUOC", "MA_NHOM", "TEN_THUOC", "DON_VI_TINH", "LIEU_DUNG",
                       "SO_LUONG", "DON_GIA", "THANH_TIEN_BV", "MUC_HUONG", "MA_KHOA", "MA_BAC_SI", "NGAY_YL"}),
    "XML3": frozenset({"MA_LK", "STT", "MA_NHOM", "DON_VI_TINH", "SO_LUONG", "DON_GIA_BV", "THANH_TIEN_BV",
                       "MUC_HUONG", "MA_KHOA", "MA_BAC_SI", "NGAY_YL"}),
    "XML4": frozenset({"MA_LK", "STT", "MA_DICH_VU", "NGAY_KQ"}),
    "XML5": frozenset({"MA_LK", "STT", "DIEN_BIEN_LS", "THOI_DIEM_DBLS", "NGUOI_THUC_HIEN"}),
    "XML7": frozenset({"MA_LK", "MA_YTE", "MA_KHOA_RV", "NGAY_VAO", "NGAY_RA", "CHAN_DOAN_RV", "PP_DIEUTRI",
                       "MA_TTDV", "MA_BS", "TEN_BS", "NGAY_CT"}),
    "XML8": frozenset({"MA_LK", "MA_LOAI_KCB", "NGAY_VAO", "NGAY_RA", "CHAN_DOAN_RV", "QT_BENHLY",
                       "PP_DIEUTRI", "KET_QUA_DTRI", "MA_TTDV", "NGAY_CT"}),
    "XML11": frozenset({"MA_LK", "SO_CT", "CHAN_DOAN_RV", "SO_NGAY_NGHI", "TU_NGAY", "DEN_NGAY", "MA_BS", "NGAY_CT"}),
    "XML13": frozenset({"MA_LK", "SO_HOSO", "MA_CSKCB", "HO_TEN", "NGAY_SINH", "CHAN_DOAN_RV",
                        "MA_BENH_CHINH", "MA_LYDO_CT", "MA_BAC_SI"}),
    "XML14": frozenset({"MA_LK", "SO_GIAYHEN_KL", "MA_CSKCB", "HO_TEN", "NGAY_HEN_KL", "CHAN_DOAN_RV",
                        "MA_BENH_CHINH", "MA_BAC_SI", "NGAY_CT"}),
}

# MA_LOAI_KCB codes (QĐ 130 appendix): 01 exam, 02 outpatient treatment, 03 inpatient, ...
LOAI_KCB_INPATIENT = frozenset({"03", "04", "09"})

# Benefit level (4th character of the legacy card number) → share the fund pays, in percent.
BENEFIT_SHARE = {"1": 100, "2": 100, "3": 95, "4": 80, "5": 100}


def version() -> str:
    return getattr(settings, "BHYT_XML_VERSION", DEFAULT_VERSION)


def tables(version_name: str | None = None) -> dict[str, TableSpec]:
    name = version_name or version()
    if name not in VERSIONS:
        raise ValueError(f"unknown BHYT XML version {name!r}; known: {', '.join(VERSIONS)}")
    return VERSIONS[name]
