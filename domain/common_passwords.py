"""Passwords that guessing lists try first, compared without regard to case.

Kept in the repository (never downloaded). Sources: the usual published top lists (the 2011
CSDN and 12306 leaks, SplashData and NordPass yearly lists, the RockYou top entries) and the
"complex but predictable" passwords that pass a 3-of-4-classes rule and are the first an
attacker tries against Chinese government and enterprise systems (Admin@123, P@ssw0rd,
1qaz@WSX, Huawei@123, keyboard walks with a capital). Only entries of 8 characters or more
matter, because shorter ones fail the length rule anyway; a few shorter classics are kept
so the list reads as what it is.
"""
from __future__ import annotations

_LIST = """
123456 12345678 123456789 1234567890 12345678910 11111111 00000000 88888888 66666666
123123123 123321123 147258369 987654321 112233445566 1qaz2wsx 1q2w3e4r 1q2w3e4r5t
qwertyui qwertyuiop asdfghjkl zxcvbnm123 password password1 password123 password! passw0rd
p@ssw0rd p@ssword p@55w0rd p@ssw0rd1 p@ssw0rd! p@ssw0rd123 p@ssword1 p@ssword123
passw0rd! passw0rd1 passw0rd123 password@123 password#123 password_123 password.123
password1! password12 password2024 password2025 password2026 pa$$w0rd pa$$word
abc123456 abc12345 abcd1234 abcd@1234 abc@1234 abc@123456 abc_123456 abc!123456
abcd12345 abcd123456 abcd!234 abc123!@# a1234567 a12345678 a123456789 a123456! a123456.
aa123456 aa123456789 aa12345678 aa112233 aa123123 aaa12345 aaa123456 a1b2c3d4 a1b2c3d4e5
qq123456 qq12345678 qq123456789 q1w2e3r4 q1w2e3r4t5 qwe123456 qwe12345 qwe@1234 qwe!@#123
qwe123!@# qwer1234 qwer!234 qwer@1234 qwer1234! qwer1234!@#$ qwert12345 qwert@12345
qweasd123 qweasdzxc qweasdzxc123 qwe123qwe asd123456 asdf1234 asdf@1234 asdfgh123
zxc123456 zxcv1234 zxcvbnm1 zxcvb12345 1qaz@wsx 1qaz!qaz 1qaz@wsx3edc 1qaz2wsx3edc
1qaz2wsx! 1qaz2wsx@ !qaz2wsx !qaz@wsx !qaz@wsx#edc 2wsx3edc 2wsx#edc 1q2w3e4r! 1q2w3e4r@
1q2w3e!q 1q2w3e4r5t6y 1qazxsw2 zaq12wsx zaq1@wsx zaq1xsw2 !@#qweasd !@#123qwe 123qwe!@#
123qweasd 123qwe123 123qweasdzxc 123qwe!@# 123!@#qwe 123abc!@# 123456abc 123456aa
123456qq 123456qwe 123456789a 123456789q 12345678a 12345qwert 12345abcde 1234qwer
1234qwer! 1234abcd 1234abcd! 123456a! 123456a. 123456aaa 123456qwerty 1234567a 147258aa
woaini1314 woaini520 woaini123 woaini521 5201314520 520520520 iloveyou iloveyou1 iloveyou!
iloveyou123 woainima woaiwojia1 wodemima mima123456 mima1234 zhang123456 wang123456
li123456 liu123456 chen123456 yang123456 huang123456 zhao123456 wu123456 zhou123456
admin123 admin1234 admin12345 admin123456 admin@123 admin@1234 admin@12345 admin@123456
admin#123 admin!123 admin!@# admin!@#$ admin_123 admin.123 admin888 admin666 admin2024
admin2025 admin2026 admin@2024 admin@2025 admin@2026 administrator administrator1
administrator@123 root1234 root@123 root@1234 root@123456 root!123 root#123 root123456
system123 system@123 sysadmin sysadmin@123 manager123 manager@123 guest123 guest@123
test1234 test123456 test@123 test@1234 test@123456 test!123 tester123 demo1234 demo@123
user1234 user@123 user@1234 user123456 super123 superadmin superadmin@123 master123
huawei123 huawei@123 huawei12#$ huawei@1234 changeme changeme1 changeme123 changeme@123
welcome1 welcome123 welcome@123 welcome1! welcome2024 welcome2025 letmein1 letmein123
monkey123 dragon123 football1 baseball1 sunshine1 princess1 shadow123 michael1 trustno1
qazwsxedc qazwsx123 qazwsxedc123 qaz123456 wsx123456 1234qwerasdf asdfqwer1234
p@ssw0rd@123 p@ssword@123 pass@123 pass@1234 pass@word1 pass1234 pass123456 pass@12345
china123 china@123 china2008 beijing123 beijing@123 shanghai123 zhongguo123 zhongguo
abc123abc 111111aa aaaaaa11 aa111111 aaa111222 a11111111 a111111 qq111111 qwe111111
123456789abc 123456789qq 0123456789 9876543210 1234554321 1122334455 1357924680
shoudi123 shoudi@123 shoudi@2026 shoudi2026 shoudi123456 fangfanpin fangfanpin123
fupin123 fupin@123 xiangcun123 zhenxing123 gov@123 gov123456 zhengfu123 zhengfu@123
"""

COMMON_PASSWORDS: frozenset[str] = frozenset(_LIST.split())
