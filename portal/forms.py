"""Forms with Chinese messages. Flask-WTF adds the CSRF token."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    login = StringField("用户名或手机号", validators=[
        DataRequired("请填写用户名或手机号"), Length(max=64, message="不超过64个字符")])
    password = PasswordField("密码", validators=[
        DataRequired("请填写密码"), Length(max=128, message="不超过128个字符")])
