"""Demo data for `make run`: departments, counties, 35 panelists and two appeals."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, func, select

from .access.accounts import UserInput, create_user, find_user
from .appeals.submission import AppealInput, create_appeal, live_appeal_for
from .enums import Actor, AuditKind
from .membership.panelists import PanelistInput, add_panelist
from .models import Department, Panelist
from .record import audit
from .rules import PanelRules

DEPARTMENTS = [
    ("HRSS", "市人力资源和社会保障局"),
    ("HOUSING", "市住房和城乡建设局"),
    ("EDU", "市教育局"),
    ("TRANSPORT", "市交通运输局"),
    ("MARKET", "市市场监督管理局"),
    ("XIANAN", "咸安区"),
    ("JIAYU", "嘉鱼县"),
    ("TONGCHENG", "通城县"),
    ("CHONGYANG", "崇阳县"),
    ("CHIBI", "赤壁市"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = ["建国", "秀英", "志强", "丽华", "海燕", "文军", "晓东", "春梅", "国庆", "红霞"]
# 35 members as the city's plan describes: CPPCC members, media, business, government staff.
CATEGORY_PLAN = ["cppcc"] * 8 + ["media"] * 6 + ["enterprise"] * 8 + ["government"] * 10
CATEGORY_PLAN += ["other"] * 3

DEMO_APPEALS = [
    AppealInput(
        work_order_no="XN20251102000871",
        department="HOUSING",
        citizen_request="小区电梯多次故障停运,物业维修不及时,老人上下楼困难,要求尽快修复。"
        "联系电话13907151234。",
        department_reply="已督促物业于11月3日更换电梯主板并恢复运行,维保单位承诺每月巡检两次。",
        appeal_reason="诉求已按规定办结,电梯已恢复运行,市民因对物业费标准不满评价不满意,"
        "不属于本部门职责范围。",
        policy_basis="《特种设备安全法》第三十九条;《湖北省物业服务和管理条例》第四十五条。",
        repeat_calls=4,
    ),
    AppealInput(
        work_order_no="XN20251108001523",
        department="HRSS",
        citizen_request="在某工地务工三个月,工资被拖欠共计18600元,多次讨要未果,"
        "身份证号421202198803154321。",
        department_reply="劳动监察大队已立案调查,责令施工单位于11月20日前支付,目前已支付12000元。",
        appeal_reason="已依法立案并督促支付大部分欠薪,剩余部分正在执行法定程序,"
        "市民要求当日全部到账超出法定时限。",
        policy_basis="《保障农民工工资支付条例》第四十二条、第五十条。",
        repeat_calls=3,
    ),
]


# Demo sign-ins for `make run` only (README lists them); never create these in production.
DEMO_USERS = [
    UserInput("admin", "系统管理员", "admin", None, "demo-admin-12345"),
    UserInput("staff", "热线工作人员", "staff", None, "demo-staff-12345"),
    UserInput("housing", "市住建局申诉专员", "department", "HOUSING", "demo-housing-12345"),
]


def seed_demo(*, session: Session, rules: PanelRules, now: datetime) -> dict[str, int]:
    """Create whatever part of the demo data is missing; safe to run again."""
    created = {"departments": 0, "panelists": 0, "appeals": 0, "users": 0}
    for code, name in DEPARTMENTS:
        if session.exec(select(Department).where(Department.code == code)).first() is None:
            department = Department(code=code, name=name)
            session.add(department)
            session.flush()
            audit.record(
                session=session,
                kind=AuditKind.DEPARTMENT_ADDED,
                actor=Actor.SEED,
                now=now,
                data={"department": code},
            )
            created["departments"] += 1
    codes = [code for code, _ in DEPARTMENTS]
    if session.exec(select(func.count()).select_from(Panelist)).one() == 0:
        for n, category in enumerate(CATEGORY_PLAN):
            add_panelist(
                session=session,
                data=PanelistInput(
                    name=SURNAMES[n] + GIVEN[n % len(GIVEN)],
                    mobile=f"+86139{n:08d}",
                    category=category,
                    affiliation=codes[n % len(codes)] if category == "government" else None,
                    pledge_signed_on=date(2025, 5, 29),
                    term_start=date(2025, 5, 29),
                    term_end=date(2028, 5, 28),
                ),
                actor=Actor.SEED,
                now=now,
            )
            created["panelists"] += 1
    for data in DEMO_APPEALS:
        if live_appeal_for(session=session, work_order_no=data.work_order_no) is None:
            create_appeal(session=session, data=data, submitted_by="seed", rules=rules, now=now)
            created["appeals"] += 1
    for user in DEMO_USERS:
        if find_user(session=session, username=user.username) is None:
            create_user(session=session, data=user, now=now)
            created["users"] += 1
    return created
