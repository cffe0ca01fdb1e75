"""The room's new parts in Simplified Chinese, in real Chromium: the control labels, the layout menu, reactions,
the host's controls, the invite dialog, the effects and the guest's page."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_chinese_host_finds_every_new_control_in_chinese(browser, worker, people, make_room, artifacts):
    slug = make_room("周会")
    context = browser.new_context(base_url=worker.base_url, locale="zh-CN", viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill("alice")
        page.locator("input[name=password]").fill(people["alice"][0])
        page.locator("form:has(input[name=login]) [type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        page.goto(f"/r/{slug}/")
        expect(page.locator("#prejoin-camera-select")).not_to_contain_text("正在查找摄像头", timeout=30_000)
        page.get_by_role("button", name="立即加入").click()
        expect(page.locator("#room[data-state=joined]")).to_be_attached(timeout=30_000)

        expect(page.get_by_role("button", name="静音麦克风").locator(".control-label")).to_have_text("静音")
        for name, label in (("发送表情回应", "回应"), ("更改布局", "布局"), ("主持人控制", "主持"), ("设备", "设备")):
            expect(page.get_by_role("button", name=name).locator(".control-label")).to_have_text(label)
        page.get_by_role("button", name="更改布局").click()
        expect(page.get_by_role("menuitemradio", name="演讲者：谁在说话就放大谁")).to_be_visible()
        expect(page.get_by_role("menuitemcheckbox", name="隐藏自己的画面")).to_be_visible()
        page.keyboard.press("Escape")
        page.get_by_role("button", name="发送表情回应").click()
        expect(page.get_by_role("button", name="用 👍 回应")).to_be_visible()
        page.get_by_role("button", name="用 👍 回应").click()
        expect(page.locator("#room-announcer")).to_contain_text("你回应了 👍")
        page.keyboard.press("Escape")

        page.get_by_role("button", name="主持人控制").click()
        panel = page.locator("#host-panel")
        for text in ("锁定会议：新的人不能加入", "将其他所有人静音", "谁可以使用会议室链接", "生成访客邀请链接", "此会议室没有密码。"):
            expect(panel).to_contain_text(text)
        page.screenshot(path=artifacts / "host-controls-zh-hans-desktop-1280x800.png", animations="disabled")
        page.get_by_role("button", name="关闭主持人控制").click()

        page.get_by_role("button", name="邀请他人：复制会议链接").click()
        dialog = page.get_by_role("dialog", name="邀请他人")
        expect(dialog).to_contain_text("此链接适用于拥有账户的人。")
        expect(dialog.get_by_role("button", name="复制访客邀请链接")).to_be_visible()
        page.screenshot(path=artifacts / "invite-dialog-zh-hans-desktop-1280x800.png", animations="disabled")
        dialog.get_by_role("button", name="关闭").click()

        page.get_by_role("button", name="设备").click()
        expect(page.get_by_label("背景")).to_contain_text("虚拟背景：大海")
        expect(page.get_by_label("降噪：保留你的声音，去掉周围的噪音")).to_be_visible()
    finally:
        context.close()
