import { Body, Controller, Get, Post } from '@nestjs/common';
import { Auth, Scopes, type JwtClaims, type VerifiedToken } from '@tollgate/nestjs';

/** What this service relies on in its tokens; tollgate has verified signature, iss, aud and exp. */
interface OrdersClaims extends JwtClaims {
  sub: string;
}

const ORDERS = [
  { id: 'ord_3001', item: 'spelt flour', status: 'shipped' },
  { id: 'ord_3002', item: 'brown butter', status: 'packing' },
];

@Scopes('orders:read')
@Controller('orders')
export class OrdersController {
  @Get()
  list(@Auth('claims') claims: OrdersClaims) {
    return { user: claims.sub, orders: ORDERS };
  }

  @Scopes('orders:write') // replaces the controller's scope for this route
  @Post()
  create(@Auth() auth: VerifiedToken<OrdersClaims>, @Body() body: { item?: unknown } = {}) {
    const item = typeof body.item === 'string' ? body.item : 'unnamed item';
    return { id: `ord_${Date.now()}`, item, createdBy: auth.claims.sub, alg: auth.alg };
  }
}
