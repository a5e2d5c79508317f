"""The demo province (Phú Thọ, code 25): one provincial hospital, two regional health centres and one
commune health station, with their departments, rooms, beds and one account per role.

The 5-digit codes follow the BHYT pattern (province 25 + 3 digits) but are demo values, not the
facilities' real BHXH codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from benhan.accounts.models import Facility, User
from benhan.facilities.models import Department, Room
from benhan.facilities.structure import ensure_beds, ensure_department, ensure_room

from . import DemoContext

K, R = Department.Kind, Room.Kind


@dataclass(frozen=True)
class DemoFacility:
    code: str
    name: str
    kind: str
    level: str
    commune_code: str
    address: str
    phone: str
    # (dept code, name, kind, inpatient, [(room code, room name, room kind, beds)])
    departments: tuple[tuple[str, str, str, bool, tuple[tuple[str, str, str, int], ...]], ...]
    # (username, last name, first name, role)
    staff: tuple[tuple[str, str, str, str], ...]


_EXAM = lambda n, label="Phòng khám": tuple((f"P1{i:02d}", f"{label} {i}", R.EXAM, 0) for i in range(1, n + 1))  # noqa: E731

FACILITIES = (
    DemoFacility(
        "25001", "Bệnh viện Đa khoa tỉnh Phú Thọ", Facility.Kind.PROVINCIAL_HOSPITAL, Facility.Level.CHUYEN_SAU,
        "07900", "Đường Nguyễn Tất Thành, Phường Việt Trì, Phú Thọ", "02103846173",
        (
            ("K01", "Khoa Khám bệnh", K.CLINICAL, False, (("TD01", "Quầy tiếp đón", R.RECEPTION, 0), *_EXAM(4))),
            ("K02", "Khoa Cấp cứu", K.CLINICAL, True, (("CC01", "Phòng cấp cứu", R.WARD, 6),)),
            ("K03", "Khoa Nội tổng hợp", K.CLINICAL, True, (("B301", "Buồng bệnh 301", R.WARD, 6),
                                                            ("B302", "Buồng bệnh 302", R.WARD, 6))),
            ("K04", "Khoa Ngoại tổng hợp", K.CLINICAL, True, (("B401", "Buồng bệnh 401", R.WARD, 6),)),
            ("K05", "Khoa Nhi", K.CLINICAL, True, (("B501", "Buồng bệnh 501", R.WARD, 8),)),
            ("K06", "Khoa Phụ sản", K.CLINICAL, True, (("B601", "Buồng bệnh 601", R.WARD, 6),)),
            ("K20", "Khoa Xét nghiệm", K.PARACLINICAL, False, (("XN01", "Phòng lấy mẫu xét nghiệm", R.LAB, 0),)),
            ("K21", "Khoa Chẩn đoán hình ảnh", K.PARACLINICAL, False, (("HA01", "Phòng X-quang", R.IMAGING, 0),
                                                                    ("HA02", "Phòng siêu âm", R.IMAGING, 0))),
            ("K30", "Khoa Dược", K.PHARMACY, False, (("QT01", "Quầy cấp phát thuốc", R.PHARMACY, 0),)),
        ),
        (("bs.an", "Nguyễn Văn", "An", User.Role.DOCTOR), ("bs.hoa", "Trần Thị", "Hoa", User.Role.DOCTOR),
         ("dd.binh", "Lê Thị", "Bình", User.Role.NURSE), ("td.cuc", "Phạm Thị", "Cúc", User.Role.RECEPTIONIST),
         ("ktv.dung", "Hoàng Văn", "Dũng", User.Role.TECHNICIAN), ("ds.giang", "Vũ Thị", "Giang", User.Role.PHARMACIST),
         ("qt.hai", "Đỗ Minh", "Hải", User.Role.FACILITY_ADMIN), ("cl.khanh", "Bùi Thị", "Khánh", User.Role.QUALITY)),
    ),
    DemoFacility(
        "25004", "Trung tâm Y tế khu vực Lâm Thao", Facility.Kind.REGIONAL_CENTER, Facility.Level.CO_BAN,
        "08494", "Khu 2, Xã Lâm Thao, Phú Thọ", "02103825115",
        (
            ("K01", "Khoa Khám bệnh", K.CLINICAL, False, (("TD01", "Quầy tiếp đón", R.RECEPTION, 0), *_EXAM(3))),
            ("K02", "Khoa Cấp cứu - Hồi sức", K.CLINICAL, True, (("CC01", "Phòng cấp cứu", R.WARD, 4),)),
            ("K03", "Khoa Nội - Nhi - Truyền nhiễm", K.CLINICAL, True, (("B201", "Buồng bệnh 201", R.WARD, 8),)),
            ("K04", "Khoa Ngoại - Sản", K.CLINICAL, True, (("B301", "Buồng bệnh 301", R.WARD, 6),)),
            ("K20", "Khoa Xét nghiệm - Chẩn đoán hình ảnh", K.PARACLINICAL, False,
             (("XN01", "Phòng xét nghiệm", R.LAB, 0), ("HA01", "Phòng X-quang - siêu âm", R.IMAGING, 0))),
            ("K30", "Khoa Dược", K.PHARMACY, False, (("QT01", "Quầy thuốc", R.PHARMACY, 0),)),
        ),
        (("bs.lam", "Ngô Văn", "Lâm", User.Role.DOCTOR), ("dd.mai", "Đặng Thị", "Mai", User.Role.NURSE),
         ("td.nga", "Hà Thị", "Nga", User.Role.RECEPTIONIST), ("ktv.phuc", "Đinh Văn", "Phúc", User.Role.TECHNICIAN),
         ("ds.quynh", "Dương Thị", "Quỳnh", User.Role.PHARMACIST), ("qt.son", "Trịnh Văn", "Sơn", User.Role.FACILITY_ADMIN),
         ("cl.tam", "Phan Thị", "Tâm", User.Role.QUALITY)),
    ),
    DemoFacility(
        "25007", "Trung tâm Y tế khu vực Thanh Sơn", Facility.Kind.REGIONAL_CENTER, Facility.Level.CO_BAN,
        "08542", "Khu Phố Mới, Xã Thanh Sơn, Phú Thọ", "02103873115",
        (
            ("K01", "Khoa Khám bệnh", K.CLINICAL, False, (("TD01", "Quầy tiếp đón", R.RECEPTION, 0), *_EXAM(2))),
            ("K03", "Khoa Nội tổng hợp", K.CLINICAL, True, (("B201", "Buồng bệnh 201", R.WARD, 6),)),
            ("K20", "Khoa Cận lâm sàng", K.PARACLINICAL, False, (("XN01", "Phòng xét nghiệm", R.LAB, 0),)),
            ("K30", "Khoa Dược", K.PHARMACY, False, (("QT01", "Quầy thuốc", R.PHARMACY, 0),)),
        ),
        (("bs.thang", "Hà Văn", "Thắng", User.Role.DOCTOR), ("dd.uyen", "Đinh Thị", "Uyên", User.Role.NURSE),
         ("td.van", "Cao Thị", "Vân", User.Role.RECEPTIONIST), ("ktv.xuan", "Kiều Văn", "Xuân", User.Role.TECHNICIAN),
         ("ds.yen", "Lương Thị", "Yến", User.Role.PHARMACIST), ("qt.bao", "Tạ Quang", "Bảo", User.Role.FACILITY_ADMIN)),
    ),
    DemoFacility(
        "25050", "Trạm Y tế xã Phù Ninh", Facility.Kind.COMMUNE_STATION, Facility.Level.BAN_DAU,
        "08230", "Thôn 4, Xã Phù Ninh, Phú Thọ", "02103829188",
        (
            ("K01", "Khám và điều trị", K.CLINICAL, False, (("P101", "Phòng khám", R.EXAM, 0),
                                                          ("LU01", "Phòng lưu bệnh", R.WARD, 2))),
            ("K30", "Dược - trang thiết bị", K.PHARMACY, False, (("QT01", "Tủ thuốc", R.PHARMACY, 0),)),
        ),
        (("bs.duc", "Nguyễn Hữu", "Đức", User.Role.DOCTOR), ("ys.lien", "Trần Thị", "Liên", User.Role.NURSE)),
    ),
)

PROVINCE_STAFF = (("sy.minh", "Lê Quang", "Minh", User.Role.PROVINCE),)


def load_facilities(ctx: DemoContext) -> None:
    for spec in FACILITIES:
        facility, created = Facility.objects.update_or_create(code=spec.code, defaults={
            "name": spec.name, "kind": spec.kind, "level": spec.level, "province_code": "25",
            "commune_code": spec.commune_code, "address": spec.address, "phone": spec.phone, "active": True,
        })
        if created:
            ctx.count("cơ sở")
        ctx.facilities[spec.code] = facility
        for code, name, kind, inpatient, rooms in spec.departments:
            dept = ensure_department(facility, code, name, kind=kind, inpatient=inpatient)
            for room_code, room_name, room_kind, beds in rooms:
                room = ensure_room(dept, room_code, room_name, kind=room_kind)
                if beds:
                    ensure_beds(room, beds, prefix="C" if code == "K02" else "H")


def load_staff(ctx: DemoContext) -> None:
    from django.contrib.auth.hashers import make_password

    accounts = [(spec.code, s) for spec in FACILITIES for s in spec.staff] + [("", s) for s in PROVINCE_STAFF]
    hashed = make_password(ctx.password)  # one slow hash for the one shared, published demo password
    for code, (username, last, first, role) in accounts:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, last_name=last, first_name=first, role=role,
                        facility=ctx.facilities.get(code),
                        licence_number=f"{len(ctx.staff) + 1:06d}/PT-CCHN" if role == User.Role.DOCTOR else "")
            user.password = hashed
            user.save()
            ctx.count("tài khoản")
        ctx.staff.append(user)
    # The provincial internist also works at the Lâm Thao centre (outreach clinic): a granted facility.
    doctor = next(u for u in ctx.staff if u.username == "bs.hoa")
    doctor.extra_facilities.add(ctx.facilities["25004"])
