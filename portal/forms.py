"""Forms with Chinese messages. Flask-WTF adds the CSRF token."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, InputRequired, Length


class LoginForm(FlaskForm):
    login = StringField("用户名或手机号", validators=[
        DataRequired("请填写用户名或手机号"), Length(max=64, message="不超过64个字符")])
    password = PasswordField("密码", validators=[
        DataRequired("请填写密码"), Length(max=128, message="不超过128个字符")])


class PasswordForm(FlaskForm):
    """修改密码. The fields are never filled back in (PasswordField), whatever happens. Spaces
    are characters of a password: InputRequired, so eight spaces meet the strength rule's
    refusal rather than "empty"."""

    old_password = PasswordField("原密码", validators=[
        InputRequired("请填写原密码"), Length(max=128, message="不超过128个字符")])
    new_password = PasswordField("新密码", validators=[
        InputRequired("请填写新密码"), Length(max=128, message="不超过128个字符")])
    confirm = PasswordField("再次输入新密码", validators=[InputRequired("请再次输入新密码")])
