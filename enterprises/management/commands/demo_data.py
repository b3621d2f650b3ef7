"""manage.py demo_data: load the demo data set (enterprises.demo) and print the demo logins."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from enterprises import demo
from tickets.models import Status


class Command(BaseCommand):
    help = "Loads a realistic demo data set (59 companies, 75 tickets in every state) and prints the demo logins."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--check", action="store_true", help="Exit with status 0 if the demo data is loaded, 1 if it is not."
        )
        group.add_argument("--logins", action="store_true", help="Only print the demo logins.")

    def handle(self, *args, **options):
        if options["check"]:
            try:
                loaded = demo.is_loaded()
            except DatabaseError:  # not migrated yet
                loaded = False
            if options["verbosity"] > 1:
                self.stdout.write("演示数据已载入。" if loaded else "演示数据尚未载入。")
            if not loaded:
                sys.exit(1)
            return

        if options["logins"]:
            self.print_logins()
            return

        if demo.is_loaded():
            self.stdout.write("演示数据已经载入，未重复创建。")
            self.print_logins()
            return
        problem = demo.conflicts()
        if problem:
            raise CommandError(problem)

        started = time.monotonic()
        summary = demo.build()
        statuses = "、".join(f"{status.label} {summary.by_status[status]}" for status in Status if status in summary.by_status)
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已创建（{time.monotonic() - started:.1f} 秒）：{summary.districts} 个区县、{summary.industries} 个行业、"
                f"{summary.departments} 个部门、{summary.categories} 个诉求类别、{summary.enterprises} 家企业、"
                f"{summary.users} 个用户、{summary.tickets} 件诉求（{statuses}）。"
            )
        )
        self.print_logins()

    def print_logins(self):
        self.stdout.write("")
        self.stdout.write("演示账号：")
        for line in demo.login_table():
            self.stdout.write(line)
