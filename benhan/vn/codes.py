"""Code lists behind the identifier rules.

CCCD_BIRTH_PROVINCES: the 3-digit codes of the province (or centrally-run city) where the birth was
registered, per TT 07/2016/TT-BCA (amended by TT 59/2021/TT-BCA). They are the 63 pre-2025 province
codes: a citizen born in Vĩnh Phúc keeps 026 after the 2025 merger, so the old list stays valid.

BHYT_GROUPS: beneficiary-group prefixes of the 15-character BHYT card (QĐ 1351/QĐ-BHXH and later
amendments, Công văn 3340/BHXH-ST). BHXH has added and retired codes over the years; the list is a
tuple here so an operator can extend it (BENHAN_BHYT_EXTRA_GROUPS) without a code change.
"""

from __future__ import annotations

import os

CCCD_BIRTH_PROVINCES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn", "008": "Tuyên Quang",
    "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu", "014": "Sơn La", "015": "Yên Bái",
    "017": "Hòa Bình", "019": "Thái Nguyên", "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang",
    "025": "Phú Thọ", "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định", "037": "Ninh Bình",
    "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh", "044": "Quảng Bình", "045": "Quảng Trị",
    "046": "Thừa Thiên Huế", "048": "Đà Nẵng", "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định",
    "054": "Phú Yên", "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng", "070": "Bình Phước",
    "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai", "077": "Bà Rịa - Vũng Tàu",
    "079": "TP. Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh",
    "086": "Vĩnh Long", "087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ",
    "093": "Hậu Giang", "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}

# The card's 2-digit province is the issuing BHXH office: the 63 pre-2025 codes, plus BHXH Bộ Quốc
# phòng (97) and BHXH Công an nhân dân (98), which issue cards for the QN, CA and CY groups.
BHYT_PROVINCES: frozenset[str] = frozenset({c[1:] for c in CCCD_BIRTH_PROVINCES} | {"97", "98"})

BHYT_GROUPS: dict[str, str] = {
    "DN": "Người lao động trong doanh nghiệp", "HX": "Người lao động trong hợp tác xã",
    "CH": "Người lao động trong cơ quan nhà nước, đơn vị sự nghiệp", "NN": "Người lao động trong tổ chức nước ngoài",
    "TK": "Người lao động trong tổ chức khác", "HC": "Cán bộ, công chức, viên chức",
    "XK": "Người hoạt động không chuyên trách ở cấp xã", "HT": "Người hưởng lương hưu, trợ cấp mất sức lao động",
    "TB": "Người hưởng trợ cấp tai nạn lao động, bệnh nghề nghiệp", "NO": "Người nghỉ việc hưởng chế độ ốm đau dài ngày",
    "CT": "Người hưởng trợ cấp BHXH hằng tháng", "XB": "Cán bộ xã hưởng trợ cấp BHXH hằng tháng",
    "TN": "Người hưởng trợ cấp thất nghiệp", "CS": "Người hưởng trợ cấp hằng tháng khác",
    "QN": "Sĩ quan, quân nhân", "CA": "Sĩ quan, hạ sĩ quan công an", "CY": "Người làm công tác cơ yếu",
    "XN": "Cán bộ xã nghỉ việc hưởng trợ cấp từ ngân sách", "MS": "Người thôi hưởng trợ cấp mất sức lao động",
    "CC": "Người có công với cách mạng", "CK": "Người có công khác", "CB": "Cựu chiến binh",
    "KC": "Người tham gia kháng chiến", "HD": "Đại biểu Quốc hội, Hội đồng nhân dân", "TE": "Trẻ em dưới 6 tuổi",
    "BT": "Người hưởng trợ cấp bảo trợ xã hội", "HN": "Người thuộc hộ gia đình nghèo",
    "DT": "Người dân tộc thiểu số vùng khó khăn", "DK": "Người sống ở vùng đặc biệt khó khăn",
    "XD": "Người sống ở xã đảo, huyện đảo", "TS": "Thân nhân liệt sĩ", "TC": "Thân nhân người có công",
    "TQ": "Thân nhân quân nhân", "TA": "Thân nhân công an", "TY": "Thân nhân người làm cơ yếu",
    "HG": "Người hiến bộ phận cơ thể", "LS": "Lưu học sinh nước ngoài", "PV": "Người phục vụ người có công",
    "CN": "Người thuộc hộ gia đình cận nghèo", "HS": "Học sinh", "SV": "Sinh viên",
    "GB": "Hộ nông, lâm, ngư, diêm nghiệp có mức sống trung bình", "GD": "Người tham gia theo hộ gia đình",
    "TL": "Thân nhân người lao động", "XV": "Xã viên hợp tác xã, hộ kinh doanh cá thể",
    "NK": "Người thuộc đối tượng khác do ngân sách hỗ trợ",
}


def bhyt_groups() -> frozenset[str]:
    extra = os.environ.get("BENHAN_BHYT_EXTRA_GROUPS", "")
    return frozenset(BHYT_GROUPS) | {g.strip().upper() for g in extra.split(",") if g.strip()}


# Benefit level (5th character) → share BHYT pays (%): 1, 2, 5 = 100 %; 3 = 95 %; 4 = 80 %.
BHYT_BENEFIT_PERCENT: dict[str, int] = {"1": 100, "2": 100, "3": 95, "4": 80, "5": 100}
