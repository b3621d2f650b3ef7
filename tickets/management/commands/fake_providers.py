"""manage.py fake_providers: the fake SMS (Tencent Cloud; Alibaba Cloud on 8704), 企业微信 and 钉钉 providers
(tickets.notifications.fakes) on 127.0.0.1, for the demo: scripts/run starts it when no real
provider is configured and points those channels at it. Prints each message a fake took; nothing
leaves this machine. The admin names the channels pointed here as fakes."""

import time

from django.core.management.base import BaseCommand

from tickets.notifications.fakes import FAKES

PORTS = {"sms": 8701, "wecom": 8702, "dingtalk": 8703, "aliyun-sms": 8704}


class Command(BaseCommand):
    help = "Serve the fake SMS, WeCom and DingTalk providers on 127.0.0.1 (demo only)."

    def add_arguments(self, parser):
        parser.add_argument("--only", nargs="*", choices=sorted(FAKES), help="the fakes to serve (default: all)")
        for kind, port in PORTS.items():
            parser.add_argument(f"--{kind}-port", type=int, default=port)

    def handle(self, *args, only=None, **options):
        fakes = {kind: FAKES[kind](port=options[f"{kind.replace('-', '_')}_port"]).start() for kind in (only or FAKES)}
        for kind, fake in fakes.items():
            self.stdout.write(f"fake {kind} provider at {fake.url}")
        self.stdout.flush()
        shown = dict.fromkeys(fakes, 0)
        try:
            while True:
                time.sleep(1)
                for kind, fake in fakes.items():
                    for message in fake.received[shown[kind] :]:
                        self.stdout.write(f"[{kind}] {message}")
                    shown[kind] = len(fake.received)
                self.stdout.flush()
        except KeyboardInterrupt:
            pass
        finally:
            for fake in fakes.values():
                fake.stop()
