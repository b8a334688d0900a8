"""Stripe for the browser tests: Checkout (which localstripe lacks) in front of localstripe.

The server under test calls this as its Stripe API (`STOREFLEET_STRIPE_API_URL`):

  POST /v1/checkout/sessions   creates a Checkout Session from the form the server sends
                               (mode, line_items[0][price], client_reference_id,
                               customer_email, subscription_data[metadata][...], success_url,
                               cancel_url) and answers like Stripe: id, url (= /pay/<id>), ...
                               A price unknown to localstripe is refused as Stripe does
                               (prices are made there beforehand, as in Stripe's dashboard).
  any other /v1/...            proxied to localstripe unchanged.

The customer's browser sees:

  GET  /pay/<id>               a plain HTML page: plan, amount, a Pay button.
  POST /pay/<id>               what Stripe does once paid: in localstripe, a customer with the
                               session's email and a working card, and a subscription to the
                               session's price with the session's subscription metadata; then
                               303 to the session's success_url.

Webhooks: localstripe delivers its signed events to /webhooks here, which passes them on
byte for byte (signature included) to the server's webhook URL. A test may hold them back
(POST /_webhooks/hold) to see what the customer sees before the payment is confirmed, then
let them through in order (POST /_webhooks/release), as Stripe's own delivery lags behind
the redirect after a payment.

Run: python checkout.py --port P --localstripe URL --webhook-url URL
     (STOREFLEET_STRIPE_WEBHOOK_SECRET in the environment: the secret localstripe signs with).
Binds 127.0.0.1 only. State lives in memory.
"""

import argparse
import asyncio
import html
import os
import time
import uuid

import aiohttp
from aiohttp import web

API_KEY = 'sk_test_checkout_standin'
TIMEOUT = aiohttp.ClientTimeout(total=15)
# Request headers passed on to localstripe, and answer headers passed back.
FORWARDED = ('authorization', 'content-type', 'idempotency-key', 'stripe-version')


def stripe_error(status, message, param=None):
    error = {'type': 'invalid_request_error', 'message': message}
    if param:
        error['param'] = param
    return web.json_response({'error': error}, status=status)


class Checkout:
    def __init__(self, localstripe, webhook_url):
        self.localstripe = localstripe.rstrip('/')
        self.webhook_url = webhook_url
        self.sessions = {}
        self.held = None  # a list of held deliveries while holding, else None
        self.http = None

    async def start(self, app):
        self.http = aiohttp.ClientSession(timeout=TIMEOUT)

    async def stop(self, app):
        await self.http.close()

    async def stripe(self, method, path, form=None):
        """One call to localstripe with this stand-in's key: (status, JSON)."""
        headers = {'authorization': f'Bearer {API_KEY}'}
        async with self.http.request(method, self.localstripe + path, data=form,
                                     headers=headers) as r:
            return r.status, await r.json(content_type=None)

    async def price(self, price_id):
        """The price (a localstripe plan) with its product's name, or None."""
        status, plan = await self.stripe('GET', f'/v1/plans/{price_id}')
        if status != 200:
            return None
        _, product = await self.stripe('GET', f'/v1/products/{plan["product"]}')
        plan['product_name'] = (product or {}).get('name', price_id)
        return plan

    # -- Stripe's API, as the server calls it ------------------------------------------

    async def create_session(self, request):
        form = await request.post()
        if form.get('mode') != 'subscription':
            return stripe_error(400, 'Only subscription mode is played here.', 'mode')
        price_id = form.get('line_items[0][price]')
        for field in ('success_url', 'cancel_url'):
            if not form.get(field):
                return stripe_error(400, f'Missing required param: {field}.', field)
        price = await self.price(price_id) if price_id else None
        if price is None:
            return stripe_error(400, f"No such price: '{price_id}'", 'line_items[0][price]')
        prefix = 'subscription_data[metadata]['
        metadata = {k[len(prefix):-1]: v for k, v in form.items() if k.startswith(prefix)}
        session_id = 'cs_test_' + uuid.uuid4().hex
        base = f'{request.scheme}://{request.host}'
        session = {
            'id': session_id, 'object': 'checkout.session', 'livemode': False,
            'created': int(time.time()), 'expires_at': int(time.time()) + 86400,
            'mode': 'subscription', 'status': 'open', 'payment_status': 'unpaid',
            'client_reference_id': form.get('client_reference_id'),
            'customer': None, 'customer_email': form.get('customer_email'),
            'subscription': None, 'success_url': form['success_url'],
            'cancel_url': form['cancel_url'], 'metadata': {},
            'currency': price['currency'], 'amount_total': price['amount'],
            'payment_method_types': ['card'], 'url': f'{base}/pay/{session_id}',
            # Fields Stripe always sends, which its clients expect.
            'automatic_tax': {'enabled': False, 'liability': None, 'provider': None,
                              'status': None},
            'custom_fields': [], 'shipping_options': [],
            'custom_text': {'after_submit': None, 'shipping_address': None, 'submit': None,
                            'terms_of_service_acceptance': None},
            '_price': price, '_subscription_metadata': metadata,
        }
        self.sessions[session_id] = session
        return web.json_response(public(session))

    async def proxy(self, request):
        headers = {k: v for k, v in request.headers.items() if k.lower() in FORWARDED}
        async with self.http.request(request.method, self.localstripe + request.path_qs,
                                     headers=headers, data=await request.read()) as r:
            body = await r.read()
            return web.Response(status=r.status, body=body,
                                content_type=r.content_type or 'application/json')

    # -- The customer's payment page ---------------------------------------------------

    def session_or_404(self, request):
        session = self.sessions.get(request.match_info['id'])
        if session is None:
            raise web.HTTPNotFound(text='This checkout does not exist.')
        return session

    async def pay_page(self, request):
        session = self.session_or_404(request)
        price = session['_price']
        amount = f"{price['amount'] / 100:.2f} {price['currency'].upper()}"
        name = html.escape(price['product_name'])
        email = html.escape(session['customer_email'] or '')
        if session['status'] != 'open':
            body = '<p>This checkout is complete.</p>'
        else:
            body = (f'<p data-testid="checkout-plan">{name}</p>'
                    f'<p data-testid="checkout-amount">{amount} / {price["interval"]}</p>'
                    f'<p data-testid="checkout-email">{email}</p>'
                    f'<form method="post"><button type="submit">Pay {amount}</button></form>'
                    f'<p><a href="{html.escape(session["cancel_url"])}">Back</a></p>')
        return web.Response(content_type='text/html', text=(
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<title>Checkout · {name}</title></head>'
            f'<body><h1>Pay for {name}</h1>{body}</body></html>'))

    async def pay(self, request):
        session = self.session_or_404(request)
        if session['status'] != 'open':
            raise web.HTTPSeeOther(session['success_url'])
        status, token = await self.stripe('POST', '/v1/tokens', {
            'card[number]': '4242424242424242', 'card[exp_month]': '12',
            'card[exp_year]': '2034', 'card[cvc]': '123'})
        if status != 200:
            raise web.HTTPBadGateway(text=f'localstripe refused the card: {token}')
        customer = {'source': token['id']}
        if session['customer_email']:
            customer['email'] = session['customer_email']
        status, customer = await self.stripe('POST', '/v1/customers', customer)
        if status != 200:
            raise web.HTTPBadGateway(text=f'localstripe refused the customer: {customer}')
        subscription = {'customer': customer['id'], 'items[0][plan]': session['_price']['id']}
        for key, value in session['_subscription_metadata'].items():
            subscription[f'metadata[{key}]'] = value
        status, subscription = await self.stripe('POST', '/v1/subscriptions', subscription)
        if status != 200:
            raise web.HTTPBadGateway(text=f'localstripe refused the subscription: {subscription}')
        session.update(status='complete', payment_status='paid', customer=customer['id'],
                       subscription=subscription['id'])
        raise web.HTTPSeeOther(session['success_url'])

    # -- Webhook deliveries ------------------------------------------------------------

    async def deliver(self, body, signature):
        headers = {'content-type': 'application/json', 'stripe-signature': signature}
        async with self.http.post(self.webhook_url, data=body, headers=headers) as r:
            return r.status

    async def webhook(self, request):
        body = await request.read()
        signature = request.headers.get('stripe-signature', '')
        if self.held is not None:
            self.held.append((body, signature))
            return web.Response(status=200)
        return web.Response(status=await self.deliver(body, signature))

    async def hold(self, request):
        if self.held is None:
            self.held = []
        return web.json_response({'held': len(self.held)})

    async def release(self, request):
        held, self.held = self.held or [], None
        for body, signature in held:
            await self.deliver(body, signature)
        return web.json_response({'released': len(held)})


def public(session):
    return {k: v for k, v in session.items() if not k.startswith('_')}


async def register_webhook(localstripe, url, secret):
    """Points localstripe's signed events at `url`; retries while localstripe starts."""
    async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
        for attempt in range(20):
            try:
                async with http.post(f'{localstripe.rstrip("/")}/_config/webhooks/storefleet',
                                     data={'url': url, 'secret': secret}) as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.25 * (attempt + 1))
    raise SystemExit(f'localstripe at {localstripe} does not take webhooks')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--localstripe', required=True)
    parser.add_argument('--webhook-url', required=True)
    args = parser.parse_args()
    secret = os.environ['STOREFLEET_STRIPE_WEBHOOK_SECRET']
    checkout = Checkout(args.localstripe, args.webhook_url)
    asyncio.run(register_webhook(args.localstripe,
                                 f'http://127.0.0.1:{args.port}/webhooks', secret))
    app = web.Application()
    app.on_startup.append(checkout.start)
    app.on_cleanup.append(checkout.stop)
    app.router.add_post('/v1/checkout/sessions', checkout.create_session)
    app.router.add_route('*', '/v1/{tail:.*}', checkout.proxy)
    app.router.add_get('/pay/{id}', checkout.pay_page)
    app.router.add_post('/pay/{id}', checkout.pay)
    app.router.add_post('/webhooks', checkout.webhook)
    app.router.add_post('/_webhooks/hold', checkout.hold)
    app.router.add_post('/_webhooks/release', checkout.release)
    web.run_app(app, host='127.0.0.1', port=args.port, print=None)


if __name__ == '__main__':
    main()
