"""Hand-made Thai word lists for synthetic children: nicknames, villages, schools, regions."""

# Neither pythainlp nor Faker ships nicknames; these are common ones, Thai and borrowed.
NICKNAMES: tuple[str, ...] = (
    "นก", "เบนซ์", "แบงค์", "ต้น", "มด", "ปุ๊ก", "ฟ้า", "น้ำ", "บอส", "ไอซ์", "แพรว", "ออม",
    "เจมส์", "ต้นข้าว", "ข้าวหอม", "มายด์", "ฝ้าย", "บีม", "กอล์ฟ", "ปอนด์", "เฟิร์น", "ใบเตย",
    "ส้ม", "โอ๊ต", "ต่อ", "เอิร์ธ", "พลอย", "แตงโม", "มิ้นท์", "ภูมิ", "ตั้ม", "เปา", "จ๋า",
    "หนูดี", "บุ๋ม", "แจ็ค", "เก่ง", "ปาล์ม", "น้ำฝน", "อั้ม",
)

# Village names are mostly บ้าน + a landscape word (pond, hill, tree, river crossing).
VILLAGE_WORDS: tuple[str, ...] = (
    "หนองบัว", "โนนสูง", "ดอนแก้ว", "ท่าช้าง", "หนองปลาไหล", "วังน้ำเย็น", "สามแยก", "คลองใหม่",
    "ไผ่ล้อม", "ดอนตูม", "หัวเขา", "ท่าเรือ", "หนองโพธิ์", "บางปลา", "ห้วยทราย", "โคกกรวด",
    "นาดี", "สระแก้ว", "ทุ่งใหญ่", "หนองหญ้าปล้อง",
)

SCHOOL_WORDS: tuple[str, ...] = (
    "วัดหนองบัว", "บ้านโนนสูง", "วัดท่าช้าง", "บ้านดอนแก้ว", "วัดคลองใหม่", "ชุมชนบ้านไผ่ล้อม",
    "วัดหัวเขา", "บ้านทุ่งใหญ่", "วัดสระแก้ว", "อนุบาลประจำอำเภอ",
)

# The programme's first round was 761 children in LAOs of the central region (DOMAIN §1.1);
# these four central provinces stand in for it.
FIRST_ROUND_PROVINCES: tuple[str, ...] = ("15", "70", "72", "73")

# Rough bounding box of those provinces, for plausible home GPS points.
REGION_LAT = (13.50, 14.90)
REGION_LON = (99.40, 100.50)
