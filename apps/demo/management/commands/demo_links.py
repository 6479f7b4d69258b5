from django.core.management.base import BaseCommand

from apps.demo.links import demo_links


class Command(BaseCommand):
    help = "Print example stamp URLs of the demo, one per banner of the public product page."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default=None,
                            help="Print the URLs on this base instead of PUBLIC_BASE_URL (e.g. http://127.0.0.1:8001).")

    def handle(self, *args, **options):
        links = demo_links(base_url=options["base_url"])
        if not links:
            self.stderr.write("No demo stamps found: run load_demo first.")
            return
        width = max(len(link.label) for link in links)
        for link in links:
            self.stdout.write(f"  {link.label:<{width}}  {link.url}")
